"""全国地方公共団体コード (JIS X 0402): the rule of its check digit and of its parts.

A code is six digits: two for the prefecture (JIS X 0401), three for the municipality within it
("000" for the prefecture itself), and a check digit (検査数字) computed from the first five:
multiply them by 6, 5, 4, 3, 2, add, take the remainder modulo 11, subtract it from 11 and keep
the last digit (remainder 0 → 1, remainder 1 → 0). For example 13101 千代田区: 1·6 + 3·5 + 1·4
+ 0·3 + 1·2 = 27, 27 mod 11 = 5, 11 − 5 = 6 → 131016.
"""

from django.core.exceptions import ValidationError

CODE_FORMAT_MESSAGE = "全国地方公共団体コードは6桁の数字です（例: 130001）。"
CODE_CHECK_DIGIT_MESSAGE = (
    "全国地方公共団体コード %(code)s の検査数字が正しくありません。6桁すべてを確かめてください。"
)
PREFECTURE_CODE_MESSAGE = (
    "都道府県のコードは3〜5桁目が000です（例: 東京都 130001）。市区町村のコードではありませんか。"
)
MUNICIPALITY_CODE_MESSAGE = (
    "市区町村のコードの3〜5桁目は000になりません（000は都道府県のコードです）。"
)
OUTSIDE_PREFECTURE_MESSAGE = (
    "市区町村のコードの上2桁（%(code_prefix)s）が、都道府県 %(prefecture)s（%(prefecture_code)s）"
    "の上2桁と一致しません。"
)

WEIGHTS = (6, 5, 4, 3, 2)
PREFECTURE_PART = "000"


def check_digit(first_five: str) -> int:
    """The check digit of the five digits `first_five`."""
    total = sum(int(digit) * weight for digit, weight in zip(first_five, WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def with_check_digit(first_five: str) -> str:
    """The six-digit code of the five digits `first_five` (13101 → 131016)."""
    return first_five + str(check_digit(first_five))


def validate_local_government_code(code: str) -> None:
    """Six ASCII digits whose last is the check digit of the first five."""
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise ValidationError(CODE_FORMAT_MESSAGE, code="code_format")
    if int(code[5]) != check_digit(code[:5]):
        raise ValidationError(
            CODE_CHECK_DIGIT_MESSAGE, code="code_check_digit", params={"code": code}
        )


def is_prefecture_code(code: str) -> bool:
    return code[2:5] == PREFECTURE_PART


def prefecture_prefix(code: str) -> str:
    """The two digits that name the prefecture (JIS X 0401)."""
    return code[:2]
