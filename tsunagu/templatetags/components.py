"""Template tags of the components (templates/components/; docs/design.md「部品」)."""

from collections.abc import Sequence
from typing import Any

from django import template

register = template.Library()

Crumb = tuple[str, str]


def trail_of(parts: Sequence[Any]) -> list[Crumb]:
    """The (label, url) pairs of a breadcrumb trail: one list of pairs, or labels and urls in
    turn, the last label alone (the current page needs no url)."""
    if len(parts) == 1 and not isinstance(parts[0], str):
        return [(str(label), str(url or "")) for label, url in parts[0]]
    labels, urls = parts[0::2], [*parts[1::2], ""]
    return [(str(label), str(url or "")) for label, url in zip(labels, urls, strict=False)]


@register.inclusion_tag("components/breadcrumbs.html")
def breadcrumbs(*parts: Any) -> dict[str, list[Crumb]]:
    """`{% breadcrumbs "ホーム" home_url "ケース" cases_url "ケース #12" %}` or
    `{% breadcrumbs trail %}` with a list of (label, url) pairs from the view."""
    return {"trail": trail_of(parts)}
