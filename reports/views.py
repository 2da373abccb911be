"""Statistics pages: the official tables, charts, exports, drill-down, cross-tabulation."""

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.access import (
    deny,
    get_for_user,
    own_organisation_id,
    request_user,
    require_right,
    visible_to,
)
from accounts.models import User
from accounts.roles import Right
from reports import charts, crosstab, exports
from reports import participation as participation_report
from reports.drill import may_drill, records_behind
from reports.forms import CrossTabForm, ReportForm, SaveReportForm, current_fiscal_year
from reports.models import ReportRun, SavedReport
from reports.operations import operational_figures
from reports.participation import participation_figures
from reports.scope import PREFECTURE, scope_for_user, scopes_for_user
from reports.services import ScopeTables, stale_years, tables_for, trend_years
from reports.suppression import cells, share_cells
from reports.tables import FiscalYearTables, find_table, trend_tables
from reports.tasks import start_run
from tsunagu.dates import fiscal_year_label

EXPORTS = {
    "xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("csv", "text/csv; charset=utf-8"),
    "csv-cp932": ("csv", "text/csv; charset=shift_jis"),
    "pdf": ("pdf", "application/pdf"),
}


class Choice:
    """The scope, year and suppression a statistics page was asked for, validated."""

    def __init__(self, request: HttpRequest, form_class: type[ReportForm] = ReportForm) -> None:
        self.user = request_user(request)
        require_right(self.user, Right.VIEW_STATISTICS, request=request)
        scopes = scopes_for_user(self.user)
        self.form = form_class(request.GET or None, scopes=scopes)
        requested = request.GET.get("scope", "")
        if requested and requested not in {s.cache_key for s in scopes}:
            kind, _, key = requested.partition(":")
            self.scope = scope_for_user(self.user, kind, key, request=request)  # 404, audited
        else:
            self.scope = next((s for s in scopes if s.cache_key == requested), scopes[0])
        self.year = current_fiscal_year()
        self.suppress = 0
        if self.form.is_bound and not self.form.is_valid():
            for errors in self.form.errors.values():
                for error in errors:
                    messages.error(request, str(error))
        cleaned = getattr(self.form, "cleaned_data", {})
        self.year = cleaned.get("year") or self.year
        self.label = fiscal_year_label(self.year)
        self.suppress = cleaned.get("suppress") or 0
        self.query = urlencode(
            {"scope": self.scope.cache_key, "year": self.year, "suppress": self.suppress}
        )


def _table_rows(tables: FiscalYearTables, suppress: int, can_drill: bool) -> list[dict[str, Any]]:
    return [
        {
            "table": table,
            "cells": cells(table, suppress),
            "shares": share_cells(table, suppress) if table.definition.shows_shares else None,
            "links": can_drill and table.definition.drill is not None,
        }
        for table in tables.tables
    ]


def _results(
    request: HttpRequest, choice: Choice, years: list[int]
) -> dict[int, ScopeTables] | ReportRun:
    """The tables, or a background run when a prefecture's years must be computed first."""
    if choice.scope.kind == PREFECTURE and stale_years(choice.scope, years):
        run = start_run(choice.user, choice.scope, years)
        if not run.is_finished:
            return run
    return tables_for(choice.scope, years)


def fy_tables(request: HttpRequest) -> HttpResponse:
    choice = Choice(request)
    years = trend_years(choice.year)
    results = _results(request, choice, years)
    if isinstance(results, ReportRun):
        return redirect(f"{reverse('reports_run', args=[results.pk])}?{choice.query}")
    result = results[choice.year]
    trend = [results[year].total for year in years]
    can_drill = may_drill(choice.user, choice.scope) and not choice.suppress
    context = {
        "choice": choice,
        "form": choice.form,
        "tables": result.total,
        "rows": _table_rows(result.total, choice.suppress, can_drill),
        "trend": [
            (t, [t[table.key].with_total().values() for table in trend_tables()]) for t in trend
        ],
        "trend_tables": trend_tables(),
        "charted_tables": charts.charted_tables(),
        "parts": result.parts,
        "exports": [
            ("Excel（xlsx）", "xlsx"),
            ("CSV（UTF-8）", "csv"),
            ("CSV（Shift_JIS）", "csv-cp932"),
            ("PDF（A4）", "pdf"),
        ],
    }
    return render(request, "reports/index.html", context)


def chart(request: HttpRequest, kind: str) -> HttpResponse:
    choice = Choice(request)
    table = charts.find_chart(kind)
    if table is None:
        return HttpResponse("グラフの種類がありません。", status=404)
    years = trend_years(choice.year)
    results = tables_for(choice.scope, years)
    svg = charts.chart_svg(table, [results[year].total for year in years])
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Cache-Control"] = "private, max-age=60"
    return response


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    choice = Choice(request)
    if fmt not in EXPORTS:
        return HttpResponse("出力形式がありません。", status=404)
    years = trend_years(choice.year)
    results = _results(request, choice, years)
    if isinstance(results, ReportRun):
        return redirect(f"{reverse('reports_run', args=[results.pk])}?{choice.query}")
    result, trend = results[choice.year], [results[y].total for y in years]
    if fmt == "xlsx":
        data = exports.xlsx_bytes(choice.scope, result, trend, choice.suppress)
    elif fmt == "pdf":
        data = exports.pdf_bytes(choice.scope, result, trend)
    else:
        encoding = "cp932" if fmt == "csv-cp932" else "utf-8"
        data = exports.csv_bytes(choice.scope, result, encoding, choice.suppress)
    extension, content_type = EXPORTS[fmt]
    filename = f"{result.total.label}_{choice.scope.name}.{extension}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def drill(request: HttpRequest) -> HttpResponse:
    choice = Choice(request)
    user = choice.user
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    if not may_drill(user, choice.scope):
        raise deny(user, right=Right.VIEW_PERSONAL_DATA, request=request, object_type="reports")
    table, column = request.GET.get("table", ""), request.GET.get("column", "")
    result = records_behind(
        user, choice.scope, choice.year, find_table(table), column, request=request
    )
    context = {"choice": choice, "table": table, "column": column, "result": result}
    return render(request, "reports/drill.html", context)


def run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    runs = ReportRun.objects.filter(requested_by=user)
    run = get_for_user(user, runs, pk, right=Right.VIEW_STATISTICS, request=request)
    back = f"{reverse('reports_index')}?{request.GET.urlencode()}"
    if run.status == ReportRun.Status.DONE:
        if request.htmx:  # type: ignore[attr-defined]
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return redirect(back)
    template = "reports/_progress.html" if request.htmx else "reports/run.html"  # type: ignore[attr-defined]
    return render(request, template, {"run": run, "back": back, "query": request.GET.urlencode()})


def operations(request: HttpRequest) -> HttpResponse:
    choice = Choice(request)
    figures = operational_figures(choice.scope.organisation_ids, choice.year)
    context = {"choice": choice, "form": choice.form, "figures": figures}
    return render(request, "reports/operations.html", context)


PARTICIPATION_EXPORTS = {key: EXPORTS[key] for key in ("xlsx", "csv", "csv-cp932")}


def participation(request: HttpRequest) -> HttpResponse:
    choice = Choice(request)
    figures = participation_figures(choice.scope.organisation_ids, choice.year)
    context = {
        "choice": choice,
        "form": choice.form,
        "figures": figures,
        "tables": [(table, table.shown_rows(choice.suppress)) for table in figures.tables],
        "exports": [
            ("Excel（xlsx）", "xlsx"),
            ("CSV（UTF-8）", "csv"),
            ("CSV（Shift_JIS）", "csv-cp932"),
        ],
    }
    return render(request, "reports/participation.html", context)


def participation_export(request: HttpRequest, fmt: str) -> HttpResponse:
    choice = Choice(request)
    if fmt not in PARTICIPATION_EXPORTS:
        return HttpResponse("出力形式がありません。", status=404)
    figures = participation_figures(choice.scope.organisation_ids, choice.year)
    if fmt == "xlsx":
        data = participation_report.xlsx_bytes(choice.scope, figures, choice.suppress)
    else:
        encoding = "cp932" if fmt == "csv-cp932" else "utf-8"
        data = participation_report.csv_bytes(choice.scope, figures, encoding, choice.suppress)
    extension, content_type = PARTICIPATION_EXPORTS[fmt]
    filename = f"{figures.label}_{choice.scope.name}_参加支援.{extension}"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _saved_reports(user: User) -> list[SavedReport]:
    return list(visible_to(user, SavedReport.objects.all()))


def cross_tab(request: HttpRequest) -> HttpResponse:
    choice = Choice(request, CrossTabForm)
    cleaned = getattr(choice.form, "cleaned_data", {})
    row_key = cleaned.get("rows") or "age"
    column_key = cleaned.get("columns") or "channel"
    filters = {key: cleaned.get(key, "") for key in crosstab.FILTERS}
    table = crosstab.cross_tabulate(
        choice.scope.organisation_ids, choice.year, row_key, column_key, filters
    )
    context = {
        "choice": choice,
        "form": choice.form,
        "table": table,
        "save_form": SaveReportForm(),
        "saved_reports": _saved_reports(choice.user),
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/crosstab.html", context)


@require_POST
def cross_tab_save(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_STATISTICS, request=request)
    form = SaveReportForm(request.POST)
    params = QueryDict(request.POST.get("query", ""))
    allowed = {"scope", "year", "rows", "columns", "suppress", *crosstab.FILTERS}
    kept = {key: params.get(key, "") for key in allowed if params.get(key)}
    if not form.is_valid():
        for error in form.errors.get("name", []):
            messages.error(request, str(error))
        return redirect(f"{reverse('reports_crosstab')}?{urlencode(kept)}")
    SavedReport.objects.create(
        organisation_id=own_organisation_id(user),
        name=form.cleaned_data["name"],
        params=kept,
        created_by=user,
    )
    messages.success(request, f"集計「{form.cleaned_data['name']}」を保存しました。")
    return redirect(f"{reverse('reports_crosstab')}?{urlencode(kept)}")


def saved_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    report = get_for_user(
        user, SavedReport.objects.all(), pk, right=Right.VIEW_STATISTICS, request=request
    )
    return redirect(f"{reverse('reports_crosstab')}?{urlencode(report.params)}")
