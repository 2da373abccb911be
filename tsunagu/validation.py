"""Input checks of every text and date field, with the Japanese messages workers see.

The ground of the project: the pages' forms, the API and the spreadsheet import all use these.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError

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
