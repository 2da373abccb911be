"""Trend charts (bar and line) as SVG, drawn with matplotlib's Agg-free SVG canvas and IPAex Gothic.

The text is drawn as outlines, so the SVG shows the Japanese labels in any browser and in the PDF
without a web font.
"""

import io
from functools import cache
from itertools import cycle

from matplotlib import font_manager
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure

from reports.columns import TOTAL
from reports.tables import LINES, STACKED_BARS, FiscalYearTables, ReportTable, report_tables

# Used in turn; a table with more columns than colours starts again from the first.
COLOURS = ("#1f5f8b", "#4f9fd0", "#8cc5e3", "#f0a35e", "#c8553d", "#9a9a9a")


def charted_tables() -> list[ReportTable]:
    """The registered tables that have a trend chart, in registry order."""
    return [table for table in report_tables() if table.chart is not None]


def find_chart(slug: str) -> ReportTable | None:
    return next((t for t in charted_tables() if t.chart and t.chart.slug == slug), None)


@cache
def _font_name() -> str:
    from tsunagu.pdf import japanese_font_path

    path = str(japanese_font_path())
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name()


def _figure() -> Figure:
    figure = Figure(figsize=(7.2, 3.6), dpi=100)
    figure.set_layout_engine("constrained")
    return figure


def _svg(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    FigureCanvasSVG(figure).print_svg(buffer, metadata={"Date": None})  # type: ignore[no-untyped-call]
    return buffer.getvalue()


def _short_label(tables: FiscalYearTables) -> str:
    return tables.label.removesuffix("年度")


def stacked_bar_chart(table: ReportTable, trend: list[FiscalYearTables]) -> bytes:
    """One stacked bar per year, one colour per column (e.g. 実相談人数 by age band)."""
    font = _font_name()
    figure = _figure()
    axes = figure.add_subplot()
    labels = [_short_label(tables) for tables in trend]
    bottoms = [0] * len(trend)
    for column, colour in zip(table.columns, cycle(COLOURS), strict=False):
        values = [tables[table.key].counts[column] for tables in trend]
        axes.bar(labels, values, bottom=bottoms, label=column, color=colour)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    _finish(axes, font, table.chart_title, table.unit)
    return _svg(figure)


def line_chart(table: ReportTable, trend: list[FiscalYearTables]) -> bytes:
    """One line per column and one for the total (e.g. 相談件数 by method)."""
    font = _font_name()
    figure = _figure()
    axes = figure.add_subplot()
    labels = [_short_label(tables) for tables in trend]
    for column, colour in zip((*table.columns, TOTAL), cycle(COLOURS), strict=False):
        values = [tables[table.key].with_total()[column] for tables in trend]
        axes.plot(labels, values, marker="o", label=column, color=colour)
    _finish(axes, font, table.chart_title, table.unit)
    return _svg(figure)


def _finish(axes: object, font: str, title: str, unit: str) -> None:
    from matplotlib.axes import Axes

    assert isinstance(axes, Axes)
    axes.set_title(title, fontfamily=font)
    axes.set_ylabel(unit, fontfamily=font)
    for label in axes.get_xticklabels():
        label.set_fontfamily(font)
    axes.yaxis.get_major_locator().set_params(integer=True)  # type: ignore[call-arg]
    axes.legend(prop={"family": font, "size": 8}, loc="upper left", ncols=3)
    axes.grid(axis="y", linewidth=0.3)


def chart_svg(table: ReportTable, trend: list[FiscalYearTables]) -> bytes:
    """The trend chart of a table that has one."""
    assert table.chart is not None
    draw = {STACKED_BARS: stacked_bar_chart, LINES: line_chart}[table.chart.style]
    return draw(table, trend)
