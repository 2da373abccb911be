"""Template filters: dates in 和暦 as the offices write them."""

from datetime import date, datetime

from django import template
from django.utils import timezone

from tsunagu import dates

register = template.Library()


@register.filter
def wareki(value: date | datetime | None) -> str:
    """令和7年4月1日; datetimes are shown in local time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return dates.wareki(value)


@register.filter
def wareki_datetime(value: datetime | None) -> str:
    """令和7年4月1日 14:05"""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{dates.wareki(local.date())} {local:%H:%M}"


@register.filter
def wareki_short_datetime(value: datetime | None) -> str:
    """R7.4.1 14:05 (a table's compact column)"""
    if value is None:
        return ""
    local = timezone.localtime(value)
    return f"{dates.wareki_short(local.date())} {local:%H:%M}"


@register.filter
def fiscal_year_label(value: int | date) -> str:
    """令和元年度; accepts a fiscal year or a date within it."""
    fiscal_year = dates.fiscal_year(value) if isinstance(value, date) else int(value)
    return dates.fiscal_year_label(fiscal_year)
