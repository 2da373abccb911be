"""The columns of the ministry's tables (DOMAIN.md, deck p.10-11) and how a count becomes a share.

Column names are the Japanese headers the deck prints; they are also the keys of the command's
JSON and of the cached counts, so they never change with the display language.
"""

from decimal import ROUND_HALF_UP, Decimal

from collaboration.models import AgencyCategory
from consultations.channels import OfficialMethod

TOTAL = "合計"
UNKNOWN_AGE = "年齢不明"
AGE_COLUMNS: tuple[str, ...] = ("10代", "20代", "30代", "40代", "50代以上", UNKNOWN_AGE)
METHOD_COLUMNS: tuple[str, ...] = tuple(str(method.label) for method in OfficialMethod)
AGENCY_COLUMNS: tuple[str, ...] = tuple(str(category.label) for category in AgencyCategory)
METHOD_LABELS: dict[str, str] = {str(m.value): str(m.label) for m in OfficialMethod}
AGENCY_LABELS: dict[str, str] = {str(c.value): str(c.label) for c in AgencyCategory}


def age_column(age: int | None) -> str:
    """The table A column of an age; under 20 counts as 10代."""
    if age is None or age < 0:  # a contact dated before the birth date is a data error
        return UNKNOWN_AGE
    if age < 20:
        return "10代"
    if age >= 50:
        return "50代以上"
    return f"{age // 10 * 10}代"


def percentage(part: int, whole: int) -> Decimal:
    """A share in percent with one decimal, rounded half up as the deck prints it (0 of 0 is 0)."""
    if whole == 0:
        return Decimal("0.0")
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)
