"""参加支援の集計: hosts developed, offers by kind, placements, 就労準備支援事業, by fiscal year.

Every figure is one SQL aggregate (conditional counts, one column per year), never a loop over
rows. Whose records count (docs/participation.md 「集計」):
- hosts, site tours and offers: those the scope's organisations developed (Host.owner);
- placements and enrolments: those of the scope's cases (the person's office), so a provider
  serving several municipalities (広域実施) is counted in each municipality for its own residents.
"""

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from participation.models import (
    Host,
    HostStatus,
    Offer,
    OfferKind,
    Placement,
    PlacementEndReason,
    PlacementStage,
    SiteTour,
    WorkReadinessEnrolment,
)
from reports.columns import TOTAL
from reports.exports import CSV_ENCODINGS, write_block
from reports.scope import ReportScope
from reports.services import trend_years
from reports.suppression import MARK, hidden_among
from tsunagu.dates import fiscal_year_label, fiscal_year_range

# A column of a yearly table: its heading, and the rows it counts in the year [first, last].
YearColumn = tuple[str, Callable[[date, date], Q]]


@dataclass
class FigureTable:
    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    # Counts of persons: hidden as ＊ below the suppression threshold, like the official tables.
    about_persons: bool = False
    note: str = ""

    def shown_rows(self, suppress: int) -> list[list[Any]]:
        if suppress < 2 or not self.about_persons:
            return self.rows
        return [_suppressed_row(row, suppress) for row in self.rows]


def _suppressed_row(row: list[Any], threshold: int) -> list[Any]:
    """The row's label and its counts, the hidden ones as ＊ (reports.suppression's rule,
    secondary suppression included, so that no hidden count follows from the others)."""
    counts = {index: value for index, value in enumerate(row) if index and isinstance(value, int)}
    hidden = hidden_among(counts, threshold)
    return [MARK if index in hidden else value for index, value in enumerate(row)]


@dataclass
class ParticipationFigures:
    label: str
    tables: list[FigureTable] = field(default_factory=list)


def _counts_by_year(
    queryset: QuerySet[Any], years: list[int], columns: list[YearColumn]
) -> list[list[Any]]:
    """One row per year (its 年度 label first), one count per column, from one query."""
    aggregates = {
        f"c{index}_{year}": Count("pk", filter=condition(*fiscal_year_range(year)))
        for year in years
        for index, (_, condition) in enumerate(columns)
    }
    counts = queryset.order_by().aggregate(**aggregates)
    return [
        [fiscal_year_label(year), *(counts[f"c{i}_{year}"] for i in range(len(columns)))]
        for year in years
    ]


def _until_today(last: date) -> date:
    """The year's last day, or today for the year under way (what has happened so far)."""
    return min(last, timezone.localdate())


# Hosts ----------------------------------------------------------------------------------------

HOST_COLUMNS: list[YearColumn] = [
    ("この年度に開拓した受入先", lambda first, last: Q(developed_on__range=(first, last))),
    ("年度末までに開拓した受入先（累計）", lambda first, last: Q(developed_on__lte=last)),
    (
        "うち現在「受入可」",
        lambda first, last: Q(developed_on__lte=last, status=HostStatus.ACCEPTING),
    ),
]


def hosts_table(org_ids: tuple[int, ...], years: list[int]) -> FigureTable:
    # A host is developed on its first 開拓 visit; one entered with no visit, on its entry day.
    hosts = (
        Host.objects.filter(owner_id__in=org_ids)
        .order_by()
        .annotate(developed_on=Coalesce(Min("visits__visited_on"), TruncDate("created_at")))
    )
    rows = _counts_by_year(hosts, years, HOST_COLUMNS)
    tours = _counts_by_year(
        SiteTour.objects.filter(host__owner_id__in=org_ids),
        years,
        [("見学会", lambda first, last: Q(held_on__range=(first, last)))],
    )
    for row, tour_row in zip(rows, tours, strict=True):
        row.append(tour_row[1])
    return FigureTable(
        key="hosts",
        title="受入先の開拓（年度別）",
        header=["年度", *(name for name, _ in HOST_COLUMNS), "この年度の見学会"],
        rows=rows,
        note="開拓した日は最初の開拓の訪問の日（訪問の記録がなければ登録日）。"
        "「受入可」は今の状況です（状況の移り変わりは記録していません）。",
    )


def host_status_table(org_ids: tuple[int, ...]) -> FigureTable:
    counts = dict(
        Host.objects.filter(owner_id__in=org_ids)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    values = [counts.get(status.value, 0) for status in HostStatus]
    return FigureTable(
        key="host_status",
        title="受入先の今の状況",
        header=["状況", *(str(status.label) for status in HostStatus), TOTAL],
        rows=[["受入先の数", *values, sum(values)]],
    )


# Offers ---------------------------------------------------------------------------------------


def offers_table(org_ids: tuple[int, ...], year: int) -> FigureTable:
    first, last = fiscal_year_range(year)
    active = Q(is_active=True)
    by_kind: dict[str, dict[str, Any]] = {
        row["kind"]: dict(row)
        for row in Offer.objects.filter(host__owner_id__in=org_ids)
        .order_by()
        .values("kind")
        .annotate(
            active=Count("pk", filter=active),
            stopped=Count("pk", filter=~active),
            places=Sum("places", filter=active),
            registered=Count("pk", filter=Q(created_at__date__range=(first, last))),
        )
    }
    keys = ("active", "stopped", "places", "registered")
    rows: list[list[Any]] = []
    for kind in OfferKind:
        row = by_kind.get(kind.value, {})
        rows.append([str(kind.label), *(row.get(key) or 0 for key in keys)])
    rows.append([TOTAL, *(sum(row[i] for row in rows) for i in range(1, len(keys) + 1))])
    return FigureTable(
        key="offers",
        title="受入メニュー（種類別）",
        header=["種類", "受付中", "受付停止", "定員（受付中）", "この年度に登録"],
        rows=rows,
    )


# Placements -----------------------------------------------------------------------------------


def _ended_with(reason: str) -> Callable[[date, date], Q]:
    return lambda first, last: Q(ended_on__range=(first, last), end_reason=reason)


PLACEMENT_COLUMNS: list[YearColumn] = [
    ("提案", lambda first, last: Q(proposed_on__range=(first, last))),
    ("参加を始めた", lambda first, last: Q(started_on__range=(first, last))),
    (
        "年度末に継続中",
        lambda first, last: (
            Q(started_on__lte=_until_today(last))
            & (Q(ended_on__isnull=True) | Q(ended_on__gt=_until_today(last)))
        ),
    ),
    (
        "終了",
        lambda first, last: Q(stage=PlacementStage.ENDED, ended_on__range=(first, last)),
    ),
    *((f"終了：{reason.label}", _ended_with(reason.value)) for reason in PlacementEndReason),
]


def placements_table(org_ids: tuple[int, ...], years: list[int]) -> FigureTable:
    placements = Placement.objects.filter(case__organisation_id__in=org_ids)
    return FigureTable(
        key="placements",
        title="参加（年度別・終了の理由別）",
        header=["年度", *(name for name, _ in PLACEMENT_COLUMNS)],
        rows=_counts_by_year(placements, years, PLACEMENT_COLUMNS),
        about_persons=True,
        note="「年度末に継続中」は、参加を始めていて年度末に終わっていないもの"
        "（今年度は今日の時点）。",
    )


# 就労準備支援事業 -------------------------------------------------------------------------------


def _past_the_limit(first: date, last: date) -> Q:
    """Used beyond its limit (the extension's when approved): ended late, or not ended yet."""
    on = _until_today(last)
    return Q(started_on__lte=last, limit_on__lt=on) & (
        Q(ended_on__isnull=True) | Q(ended_on__gt=F("limit_on"))
    )


READINESS_COLUMNS: list[YearColumn] = [
    ("利用開始", lambda first, last: Q(started_on__range=(first, last))),
    ("利用終了", lambda first, last: Q(ended_on__range=(first, last))),
    # The extension takes effect when the first one-year limit passes: counted in that year.
    (
        "延長（例外）",
        lambda first, last: Q(extended_until__isnull=False, ends_on__range=(first, last)),
    ),
    (
        "年度末に利用中",
        lambda first, last: (
            Q(started_on__lte=_until_today(last))
            & (Q(ended_on__isnull=True) | Q(ended_on__gt=_until_today(last)))
        ),
    ),
    ("期限を超えた利用", _past_the_limit),
]


def readiness_table(org_ids: tuple[int, ...], years: list[int]) -> FigureTable:
    enrolments = WorkReadinessEnrolment.objects.filter(case__organisation_id__in=org_ids).annotate(
        limit_on=Coalesce("extended_until", "ends_on")
    )
    return FigureTable(
        key="readiness",
        title="就労準備支援事業の利用（年度別）",
        header=["年度", *(name for name, _ in READINESS_COLUMNS)],
        rows=_counts_by_year(enrolments, years, READINESS_COLUMNS),
        about_persons=True,
        note="期限は開始から1年（延長したものは延長後の期限）。"
        "「期限を超えた利用」は、期限を過ぎて利用を続けた（終了が期限より後、または終了していない）もの。",
    )


def participation_figures(org_ids: tuple[int, ...], year: int) -> ParticipationFigures:
    years = trend_years(year)
    return ParticipationFigures(
        label=fiscal_year_label(year),
        tables=[
            hosts_table(org_ids, years),
            host_status_table(org_ids),
            offers_table(org_ids, year),
            placements_table(org_ids, years),
            readiness_table(org_ids, years),
        ],
    )


# Exports: CSV (UTF-8 with BOM, or CP932) and xlsx, laid out like the official tables' ----------


def title_of(scope: ReportScope, figures: ParticipationFigures) -> str:
    return f"{figures.label} {scope.label} 参加支援の集計"


def csv_bytes(
    scope: ReportScope, figures: ParticipationFigures, encoding: str = "utf-8", suppress: int = 0
) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title_of(scope, figures)])
    for table in figures.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows(table.shown_rows(suppress))
    return buffer.getvalue().encode(CSV_ENCODINGS[encoding])


def xlsx_bytes(scope: ReportScope, figures: ParticipationFigures, suppress: int = 0) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "参加支援"
    sheet.cell(row=1, column=1, value=title_of(scope, figures)).font = Font(bold=True, size=13)
    top = 3
    for table in figures.tables:
        top = write_block(sheet, top, table.title, [table.header, *table.shown_rows(suppress)])
    sheet.column_dimensions["A"].width = 22
    for column in range(2, 12):
        sheet.column_dimensions[get_column_letter(column)].width = 14
    workbook.properties.creator = "tsunagu"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
