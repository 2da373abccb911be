"""The registry of the fiscal-year tables (表A・表B・表C, DOMAIN.md, deck p.10-11) and their counts.

Every page, export, chart, the command's JSON, the drill-down and the cache read the tables from
here, in registry order; nothing else names a table. Adding a table is one `ReportTable` in
`REPORT_TABLES`, its aggregation in reports/aggregation.py (and, if its figures lead to records,
a drill-down in reports/drill.py), and its tests (docs/reports.md, 「表を足すには」).

The counting rules have a version: `COUNTING_RULES_VERSION` for rules every table shares (the
fiscal year, what a contact is) and each table's `rules_version` for its own. Both, with the
registry's keys, make `rules_version()`, which every cached result carries (reports/cache.py):
raising any of them, or adding a table, makes every cached figure stale at once.
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from reports import aggregation, drill
from reports.columns import (
    AGE_COLUMNS,
    AGENCY_COLUMNS,
    METHOD_COLUMNS,
    TOTAL,
    percentage,
)
from tsunagu.dates import fiscal_year_label

if TYPE_CHECKING:
    from django.http import HttpRequest

    from accounts.models import User
    from reports.scope import ReportScope

# Raise when a rule every table shares changes (e.g. what counts as a contact, the year's bounds).
COUNTING_RULES_VERSION = 1

Aggregation = Callable[[Iterable[int], int], aggregation.PerOrganisation]
Drill = Callable[["User", "ReportScope", int, str, "HttpRequest | None"], drill.DrillResult]

STACKED_BARS = "stacked_bars"
LINES = "lines"


@dataclass(frozen=True)
class Chart:
    """How a table's trend is drawn (reports/charts.py)."""

    slug: str  # the address: /reports/chart/<slug>.svg
    style: str  # STACKED_BARS (one bar per year, one colour per column) or LINES (and the total)
    description: str  # what the picture is, for the image's alternative text


@dataclass(frozen=True)
class ReportTable:
    """One official table: what it counts, how it is laid out, the version of its counting rule.

    `key` is stored in the cached counts (reports.CachedTables) and in drill-down addresses: a new
    key is a new table; renaming one needs a data migration of the cache (or a rules bump).
    """

    key: str
    label: str  # 表A
    name: str  # 実相談人数: what the total is, in the municipalities' table and the xlsx
    breakdown: str  # 年代別: what the columns divide it by
    columns: tuple[str, ...]
    column_heading: str  # 年代: the header corner reads "年代 年度"
    unit: str  # 人 or 件: the charts' axis; 件数 / 人数 where the table is read down the page
    json_key: str  # the command's JSON key, e.g. persons_by_age
    aggregate: Aggregation
    rules_version: int = 1
    shows_shares: bool = False  # the 率 row (share of the total) under the counts
    in_trend: bool = False  # one row per year in the trend table, the xlsx 推移 sheet and the PDF
    chart: Chart | None = None
    drill: Drill | None = None
    narrow_name: str = ""  # a shorter `name` for the page's municipalities table

    @property
    def title(self) -> str:
        return f"{self.label} {self.name}（{self.breakdown}）"

    @property
    def header_corner(self) -> str:
        return f"{self.column_heading} 年度"

    @property
    def total_heading(self) -> str:
        return self.narrow_name or self.name

    @property
    def trend_title(self) -> str:
        return f"{self.name}（{self.breakdown}）の推移"

    @property
    def chart_title(self) -> str:
        return f"{self.name}の推移（{self.breakdown}）"

    @property
    def chart_alt(self) -> str:
        description = self.chart.description if self.chart else ""
        return f"{self.name}の推移（{self.breakdown}の{description}）"


TABLE_A = ReportTable(
    key="a",
    label="表A",
    name="実相談人数",
    breakdown="年代別",
    columns=AGE_COLUMNS,
    column_heading="年代",
    unit="人",
    json_key="persons_by_age",
    aggregate=aggregation.persons_by_age,
    in_trend=True,
    chart=Chart("persons", STACKED_BARS, "積み上げ棒グラフ"),
    drill=drill.persons_first_counted_at_age,
)
TABLE_B = ReportTable(
    key="b",
    label="表B",
    name="相談件数",
    breakdown="相談方法別",
    columns=METHOD_COLUMNS,
    column_heading="相談方法",
    unit="件",
    json_key="consultations_by_method",
    aggregate=aggregation.consultations_by_method,
    in_trend=True,
    chart=Chart("methods", LINES, "折れ線グラフ"),
    drill=drill.contacts_by_method,
)
TABLE_C = ReportTable(
    key="c",
    label="表C",
    name="関係機関へつないだ件数",
    narrow_name="つないだ件数",
    breakdown="機関種別",
    columns=AGENCY_COLUMNS,
    column_heading="機関",
    unit="件",
    json_key="referrals_by_agency_type",
    aggregate=aggregation.referrals_by_agency_type,
    shows_shares=True,
    drill=drill.referrals_to_agency_type,
)
REPORT_TABLES: tuple[ReportTable, ...] = (TABLE_A, TABLE_B, TABLE_C)

_registered: tuple[ReportTable, ...] = REPORT_TABLES


def report_tables() -> tuple[ReportTable, ...]:
    """The tables in force, in the order every output shows them."""
    return _registered


@contextmanager
def tables_registered(tables: tuple[ReportTable, ...]) -> Iterator[None]:
    """Put `tables` in force for the duration (tests register a table without other code)."""
    global _registered
    keys = [table.key for table in tables]
    if len(set(keys)) != len(keys):
        raise ValueError(f"表のキーが重複しています: {keys}")
    previous, _registered = _registered, tables
    try:
        yield
    finally:
        _registered = previous


def trend_tables() -> list[ReportTable]:
    """The tables shown year by year (the page's trend table, the xlsx 推移 sheet, the PDF)."""
    return [table for table in report_tables() if table.in_trend]


def find_table(key: str) -> ReportTable | None:
    return next((table for table in report_tables() if table.key == key), None)


def rules_version() -> str:
    """The version of the counting rules and of the set of tables, e.g. "1:a=1,b=1,c=1"."""
    tables = ",".join(f"{table.key}={table.rules_version}" for table in report_tables())
    return f"{COUNTING_RULES_VERSION}:{tables}"


@dataclass
class Table:
    """One table's counts for a year: a count for each of its columns, in the columns' order."""

    definition: ReportTable
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.counts = {column: int(self.counts.get(column, 0)) for column in self.columns}

    @property
    def key(self) -> str:
        return self.definition.key

    @property
    def title(self) -> str:
        return self.definition.title

    @property
    def columns(self) -> tuple[str, ...]:
        return self.definition.columns

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


@dataclass
class FiscalYearTables:
    """Every registered table of one fiscal year for one scope, by key in registry order."""

    fiscal_year: int
    by_key: dict[str, Table] = field(default_factory=dict)

    def __post_init__(self) -> None:
        given = self.by_key
        self.by_key = {
            table.key: given[table.key] if table.key in given else Table(table)
            for table in report_tables()
        }

    def __getitem__(self, key: str) -> Table:
        return self.by_key[key]

    @property
    def label(self) -> str:
        return fiscal_year_label(self.fiscal_year)

    @property
    def tables(self) -> tuple[Table, ...]:
        return tuple(self.by_key.values())

    def add(self, other: "FiscalYearTables") -> None:
        for mine, theirs in zip(self.tables, other.tables, strict=True):
            mine.add(theirs)

    def as_json(self) -> dict[str, Any]:
        """The command's JSON: the year, its label, and each table's counts with the total."""
        return {
            "fiscal_year": self.fiscal_year,
            "label": self.label,
            **{table.definition.json_key: table.with_total() for table in self.tables},
        }

    def counts(self) -> dict[str, dict[str, int]]:
        """What the cache stores (no totals: they are derived)."""
        return {table.key: dict(table.counts) for table in self.tables}

    @classmethod
    def from_counts(cls, fiscal_year: int, counts: dict[str, dict[str, int]]) -> "FiscalYearTables":
        """Tables from stored counts; a key no longer registered is left out."""
        return cls(
            fiscal_year,
            {
                table.key: Table(table, dict(counts.get(table.key) or {}))
                for table in report_tables()
            },
        )

    @classmethod
    def sum_of(cls, fiscal_year: int, parts: Iterable["FiscalYearTables"]) -> "FiscalYearTables":
        total = cls(fiscal_year)
        for part in parts:
            total.add(part)
        return total
