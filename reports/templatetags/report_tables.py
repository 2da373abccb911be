"""The names of the registered official tables, for the statistics pages' links."""

from django import template

from reports.tables import report_tables

register = template.Library()


@register.simple_tag
def official_tables_label() -> str:
    """公式集計（表A・B・C）: the registered tables' labels, "表" written once."""
    letters = "・".join(table.label.removeprefix("表") for table in report_tables())
    return f"公式集計（表{letters}）"
