"""Template tags of the list toolkit (tsunagu.listing): sortable headers and page addresses."""

from typing import Any

from django import template

from tsunagu.listing import ListPage

register = template.Library()


@register.simple_tag
def page_query(listing: ListPage[Any], number: int) -> str:
    """The query string of page `number`, keeping the filters and the order."""
    return listing.page_query(int(number))


@register.inclusion_tag("components/sort_header.html")
def sort_header(listing: ListPage[Any], key: str, label: str = "") -> dict[str, str]:
    """A column header that sorts by `key` (or reverses it), with aria-sort on the current one."""
    return {
        "label": label or listing.label_of(key),
        "query": listing.sort_query(key),
        "aria_sort": listing.aria_sort(key),
    }
