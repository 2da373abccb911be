"""The tables as the deck prints them: xlsx, CSV (UTF-8 with BOM or CP932), A4 PDF, JSON."""

import csv
import io
from base64 import b64encode
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports import charts, suppression
from reports.columns import TOTAL
from reports.scope import ReportScope
from reports.services import ScopeTables
from reports.tables import FiscalYearTables, ReportTable, Table, report_tables, trend_tables

SHARE_ROW = "率"
CSV_ENCODINGS = {"utf-8": "utf-8-sig", "cp932": "cp932"}


def title_of(scope: ReportScope, tables: FiscalYearTables) -> str:
    return f"{tables.label} {scope.label} 相談支援の実績"


def joined_names(names: list[str]) -> str:
    """Names as a Japanese list: "A及びB", "A、B及びC"."""
    if len(names) < 2:
        return "".join(names)
    return "、".join(names[:-1]) + "及び" + names[-1]


def table_rows(table: Table, label: str, *, shares: bool, suppress: int = 0) -> list[list[Any]]:
    """A table as rows: header, the year's counts and, when `shares`, the 率 row."""
    rows: list[list[Any]] = [
        [table.definition.header_corner, *table.columns, TOTAL],
        [label, *(value for _, value in suppression.cells(table, suppress))],
    ]
    if shares:
        rows.append([SHARE_ROW, *(value for _, value in suppression.share_cells(table, suppress))])
    return rows


# CSV ------------------------------------------------------------------------------------------


def csv_bytes(
    scope: ReportScope, result: ScopeTables, encoding: str = "utf-8", suppress: int = 0
) -> bytes:
    tables = result.total
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([title_of(scope, tables)])
    for table in tables.tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerows(
            table_rows(table, tables.label, shares=table.definition.shows_shares, suppress=suppress)
        )
    return buffer.getvalue().encode(CSV_ENCODINGS[encoding])


# xlsx -----------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="333333")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_BOLD = Font(bold=True)


def write_block(sheet: Worksheet, top: int, title: str, rows: list[list[Any]]) -> int:
    """Write a titled table at row `top`; return the next free row."""
    sheet.cell(row=top, column=1, value=title).font = _BOLD
    for r, values in enumerate(rows, start=top + 1):
        for c, value in enumerate(values, start=1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.border = _BORDER
            if r == top + 1 or c == 1:
                cell.fill = _HEADER_FILL
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            elif isinstance(value, int):
                cell.number_format = "#,##0"
            if r > top + 1 and c == len(values):
                cell.font = _BOLD
    return top + len(rows) + 2


def _share_cells(table: Table, suppress: int) -> list[Any]:
    # Stored as a fraction with a percent format: the spreadsheet shows 66.7% and can compute.
    hidden = suppression.hidden_columns(table, suppress)
    return [
        SHARE_ROW,
        *(suppression.MARK if c in hidden else float(v / 100) for c, v in table.shares().items()),
    ]


def _format_share_row(sheet: Worksheet, row: int, width: int) -> None:
    for column in range(2, width + 1):
        sheet.cell(row=row, column=column).number_format = "0.0%"


def _sheet_tables(
    sheet: Worksheet, scope: ReportScope, tables: FiscalYearTables, suppress: int
) -> None:
    sheet.cell(row=1, column=1, value=title_of(scope, tables)).font = Font(bold=True, size=13)
    top, width = 3, 0
    for table in tables.tables:
        rows = table_rows(table, tables.label, shares=False, suppress=suppress)
        if table.definition.shows_shares:
            rows.append(_share_cells(table, suppress))
        next_top = write_block(sheet, top, table.title, rows)
        if table.definition.shows_shares:
            _format_share_row(sheet, top + len(rows), len(rows[0]))
        top, width = next_top, max(width, len(rows[0]))
    sheet.column_dimensions["A"].width = 16
    for column in range(2, width + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 12


def _sheet_trend(sheet: Worksheet, trend: list[FiscalYearTables]) -> None:
    shown = trend_tables()
    title = joined_names([table.name for table in shown]) + "の推移"
    sheet.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    top = 3
    for table in shown:
        rows: list[list[Any]] = [[table.header_corner, *table.columns, TOTAL]]
        rows += [[t.label, *t[table.key].with_total().values()] for t in trend]
        top = write_block(sheet, top, table.trend_title, rows)
    sheet.column_dimensions["A"].width = 16


def _sheet_parts(sheet: Worksheet, result: ScopeTables) -> None:
    sheet.cell(row=1, column=1, value="市区町村別の合計").font = Font(bold=True, size=13)
    rows: list[list[Any]] = [["市区町村", *(table.name for table in report_tables())]]
    rows += [[name, *(t.total for t in tables.tables)] for name, tables in result.parts]
    rows.append([TOTAL, *(t.total for t in result.total.tables)])
    write_block(sheet, 3, "市区町村別（各市区町村の集計の合計）", rows)
    sheet.column_dimensions["A"].width = 24


def xlsx_bytes(
    scope: ReportScope, result: ScopeTables, trend: list[FiscalYearTables], suppress: int = 0
) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "・".join(table.label for table in report_tables())
    _sheet_tables(sheet, scope, result.total, suppress)
    if len(trend) > 1 and not suppress:  # the published (suppressed) workbook has no trend
        _sheet_trend(workbook.create_sheet("推移"), trend)
    if result.parts and not suppress:
        _sheet_parts(workbook.create_sheet("市区町村別"), result)
    workbook.properties.creator = "tsunagu"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# PDF ------------------------------------------------------------------------------------------


def chart_data_uris(trend: list[FiscalYearTables]) -> list[tuple[ReportTable, str]]:
    return [
        (table, "data:image/svg+xml;base64," + b64encode(charts.chart_svg(table, trend)).decode())
        for table in charts.charted_tables()
    ]


def rows_down_the_page(table: Table) -> list[tuple[str, int, Decimal | None]]:
    """A table read down the page: column, count, 率 (A4 portrait has no room for 20 columns)."""
    shares: dict[str, Decimal] = table.shares() if table.definition.shows_shares else {}
    return [(column, value, shares.get(column)) for column, value in table.with_total().items()]


def pdf_bytes(scope: ReportScope, result: ScopeTables, trend: list[FiscalYearTables]) -> bytes:
    """Tables in the trend year by year, the others down the page for the year, then charts."""
    from tsunagu.pdf import render_pdf

    tables = result.total
    in_trend = {table.key for table in trend_tables()}
    context = {
        "scope": scope,
        "result": result,
        "tables": tables,
        "trend_tables": [
            (table, [(t.label, t[table.key].with_total().values()) for t in trend])
            for table in trend_tables()
        ],
        "down_tables": [
            (table, rows_down_the_page(table))
            for table in tables.tables
            if table.key not in in_trend
        ],
        "charts": chart_data_uris(trend),
        "title": title_of(scope, tables),
        "printed_on": timezone.localdate(),
    }
    return render_pdf("reports/fy_report_pdf.html", context)
