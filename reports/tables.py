"""The ministry's fiscal-year tables A, B and C (DOMAIN.md, deck p.10-11): their columns and values.

Column names are the Japanese headers the deck prints; they are also the keys of the command's
JSON, so they never change with the display language.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from collaboration.models import AgencyCategory
from consultations.channels import OfficialMethod
from tsunagu.dates import fiscal_year_label

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


@dataclass
class Table:
    key: str
    title: str
    columns: tuple[str, ...]
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {column: int(self.counts.get(column, 0)) for column in self.columns}

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def with_total(self) -> dict[str, int]:
        return {**self.counts, TOTAL: self.total}

    def shares(self) -> dict[str, Decimal]:
        total = self.total
        shares = {column: percentage(value, total) for column, value in self.counts.items()}
        return {**shares, TOTAL: percentage(total, total) if total else Decimal("0.0")}

    def add(self, other: "Table") -> None:
        for column, value in other.counts.items():
            self.counts[column] += value


def table_a(counts: dict[str, int] | None = None) -> Table:
    return Table("a", "表A 実相談人数（年代別）", AGE_COLUMNS, dict(counts or {}))


def table_b(counts: dict[str, int] | None = None) -> Table:
    return Table("b", "表B 相談件数（相談方法別）", METHOD_COLUMNS, dict(counts or {}))


def table_c(counts: dict[str, int] | None = None) -> Table:
    return Table("c", "表C 関係機関へつないだ件数（機関種別）", AGENCY_COLUMNS, dict(counts or {}))


@dataclass
class FiscalYearTables:
    """Tables A, B and C of one fiscal year for one scope."""

    fiscal_year: int
    a: Table = field(default_factory=table_a)
    b: Table = field(default_factory=table_b)
    c: Table = field(default_factory=table_c)

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def tables(self) -> tuple[Table, Table, Table]:
        return (self.a, self.b, self.c)

    def add(self, other: "FiscalYearTables") -> None:
        for mine, theirs in zip(self.tables, other.tables, strict=True):
            mine.add(theirs)

    def as_json(self) -> dict[str, Any]:
        """The command's JSON: exactly the keys the issue names."""
        return {
            "fiscal_year": self.fiscal_year,
            "label": self.label,
            "persons_by_age": self.a.with_total(),
            "consultations_by_method": self.b.with_total(),
            "referrals_by_agency_type": self.c.with_total(),
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """What the cache stores (no totals: they are derived)."""
        return {table.key: dict(table.counts) for table in self.tables}

    @classmethod
    def from_counts(cls, fiscal_year: int, counts: dict[str, dict[str, int]]) -> "FiscalYearTables":
        return cls(
            fiscal_year,
            table_a(counts.get("a")),
            table_b(counts.get("b")),
            table_c(counts.get("c")),
        )
