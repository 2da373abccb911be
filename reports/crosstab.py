"""Cross-tabulation of the consultations (intakes) of a year: any two dimensions, with filters.

The unit is one consultation (受付). Dimensions that come from the case (outing level, duration)
use the case's latest assessment; consultations without one count as 未確認.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from cases.models import Assessment, OutingLevel
from collaboration.models import AgencyCategory
from consultations.channels import Channel
from consultations.models import Category, ConsulterType
from people.models import Sex
from reports.aggregation import consultations_in_year
from reports.columns import AGE_COLUMNS, age_column
from tsunagu.dates import age_on

Row = dict[str, Any]
MONTHS = [f"{m}月" for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]
DURATION_BANDS = [
    "6か月未満",
    "6か月〜1年未満",
    "1〜3年未満",
    "3〜5年未満",
    "5〜10年未満",
    "10年以上",
]
UNKNOWN = "未確認"
NOT_REFERRED = "つないでいない"


def _age(row: Row) -> str:
    birth: date | None = row["person__birth_date"]
    if birth is not None:
        day = timezone.localdate(row["received_at"])
        return age_column(age_on(birth, day) if day >= birth else None)
    return age_column(row["age_at_contact"])


def _duration(row: Row) -> str:
    assessment: Assessment | None = row["assessment"]
    if assessment is None or assessment.state_since_year is None:
        return UNKNOWN
    day = timezone.localdate(row["received_at"])
    months = (
        (day.year - assessment.state_since_year) * 12
        + day.month
        - (assessment.state_since_month or 1)
    )
    limits = [6, 12, 36, 60, 120]
    return next(
        (band for band, limit in zip(DURATION_BANDS, limits, strict=False) if months < limit),
        DURATION_BANDS[-1],
    )


def _outing(row: Row) -> str:
    assessment: Assessment | None = row["assessment"]
    if assessment is None or not assessment.outing_level:
        return UNKNOWN
    return str(OutingLevel(assessment.outing_level).label)


def _labels(choices: Any) -> list[str]:
    return [str(label) for _, label in choices.choices]


@dataclass(frozen=True)
class Dimension:
    label: str
    value: Callable[[Row], str]
    columns: list[str]


DIMENSIONS: dict[str, Dimension] = {
    "age": Dimension("年代", _age, list(AGE_COLUMNS)),
    "sex": Dimension("性別", lambda r: str(Sex(r["person__sex"]).label), _labels(Sex)),
    "channel": Dimension("相談方法", lambda r: str(Channel(r["channel"]).label), _labels(Channel)),
    "consulter": Dimension(
        "相談者",
        lambda r: str(ConsulterType(r["consulter_type"]).label),
        _labels(ConsulterType),
    ),
    "concern": Dimension(
        "相談内容（主なもの）",
        lambda r: str(Category(r["main_concern"]).label),
        _labels(Category),
    ),
    "outing": Dimension("外出の状況", _outing, [*_labels(OutingLevel), UNKNOWN]),
    "duration": Dimension("ひきこもりの期間", _duration, [*DURATION_BANDS, UNKNOWN]),
    "agency": Dimension(
        "つなぎ先の種別",
        lambda r: (
            str(AgencyCategory(r["referral__agency__category"]).label)
            if r["referral__agency__category"]
            else NOT_REFERRED
        ),
        [*_labels(AgencyCategory), NOT_REFERRED],
    ),
    "month": Dimension("月", lambda r: f"{timezone.localtime(r['received_at']).month}月", MONTHS),
    "out_of_hours": Dimension(
        "時間外", lambda r: "時間外" if r["is_out_of_hours"] else "時間内", ["時間内", "時間外"]
    ),
}
DIMENSION_CHOICES = [(key, dimension.label) for key, dimension in DIMENSIONS.items()]
FILTERS = ("channel", "consulter", "sex", "out_of_hours")

FIELDS = (
    "id",
    "received_at",
    "age_at_contact",
    "person__birth_date",
    "person__sex",
    "channel",
    "consulter_type",
    "main_concern",
    "is_out_of_hours",
    "referral__agency__category",
    "case_id",
)


@dataclass
class CrossTable:
    row_dimension: Dimension
    column_dimension: Dimension
    rows: list[str]
    columns: list[str]
    counts: Counter[tuple[str, str]]

    def cell(self, row: str, column: str) -> int:
        return self.counts[(row, column)]

    def row_total(self, row: str) -> int:
        return sum(self.counts[(row, c)] for c in self.columns)

    def column_total(self, column: str) -> int:
        return sum(self.counts[(r, column)] for r in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def grid(self) -> list[tuple[str, list[int], int]]:
        return [(r, [self.cell(r, c) for c in self.columns], self.row_total(r)) for r in self.rows]

    def column_totals(self) -> list[int]:
        return [self.column_total(c) for c in self.columns]


def _latest_assessments(case_ids: set[int]) -> dict[int, Assessment]:
    latest: dict[int, Assessment] = {}
    for assessment in Assessment.objects.filter(case_id__in=case_ids).order_by("case_id", "number"):
        latest[assessment.case_id] = assessment
    return latest


def cross_tabulate(
    org_ids: tuple[int, ...],
    fiscal_year: int,
    row_key: str,
    column_key: str,
    filters: dict[str, str] | None = None,
) -> CrossTable:
    rows = list(consultations_in_year(org_ids, fiscal_year).values(*FIELDS))
    assessments = _latest_assessments({r["case_id"] for r in rows if r["case_id"]})
    for row in rows:
        row["assessment"] = assessments.get(row["case_id"])
    for key, wanted in (filters or {}).items():
        if wanted:
            rows = [row for row in rows if DIMENSIONS[key].value(row) == wanted]
    row_dimension, column_dimension = DIMENSIONS[row_key], DIMENSIONS[column_key]
    counts: Counter[tuple[str, str]] = Counter(
        (row_dimension.value(row), column_dimension.value(row)) for row in rows
    )
    return CrossTable(
        row_dimension, column_dimension, row_dimension.columns, column_dimension.columns, counts
    )
