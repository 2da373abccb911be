"""Counts with thousands separators (4,091), as the ministry's tables print them."""

from django import template

register = template.Library()


@register.filter
def comma(value: object) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)
