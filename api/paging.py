"""Paging: the one convention of every list in the API.

A list is read a page at a time with `offset` (0 or more, default 0) and `limit` (1..100,
default 20), sorted in the database with the record's id as the last key, so that a page holds
the same rows however often it is read. The answer is an envelope:
`{"count": all rows, "offset": …, "limit": …, "next_offset": the next page's offset or null,
"items": [the page]}`. `count` is a COUNT in the database (for the person search, the number of
hits, of which there are at most `people.search`'s default). Only the rows of the page are read,
written in the response and named in the audit row.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet
from ninja import Field, Schema

from api.common import unprocessable

LIMIT_DEFAULT = 20
LIMIT_MAX = 100
# The database compares offsets as 64-bit integers; larger ones were a server error.
OFFSET_MAX = 2**31 - 1

OFFSET_OUT_OF_RANGE = f"offset は0〜{OFFSET_MAX}で指定してください。"
LIMIT_OUT_OF_RANGE = f"limit は1〜{LIMIT_MAX}で指定してください。"


class PageIn(Schema):
    """The query parameters of every list."""

    offset: int = Field(0, description=f"先頭から飛ばす件数（0〜{OFFSET_MAX}）")
    limit: int = Field(LIMIT_DEFAULT, description=f"1ページの件数（1〜{LIMIT_MAX}、既定 20）")


class PageOut(Schema):
    """The envelope of every list; each list's page adds `items`."""

    count: int = Field(description="条件に合う全件数")
    offset: int
    limit: int
    next_offset: int | None = Field(description="次のページの offset（最後のページでは null）")


def paging_errors(page: PageIn) -> dict[str, list[str]]:
    """The refusals of the paging parameters, named as in the query string (none when valid)."""
    errors: dict[str, list[str]] = {}
    if not 0 <= page.offset <= OFFSET_MAX:
        errors["offset"] = [OFFSET_OUT_OF_RANGE]
    if not 1 <= page.limit <= LIMIT_MAX:
        errors["limit"] = [LIMIT_OUT_OF_RANGE]
    return errors


@dataclass(frozen=True, slots=True)
class Paging:
    """Valid paging parameters and what a list endpoint does with them."""

    offset: int
    limit: int

    def rows[M: Model](self, queryset: QuerySet[M]) -> tuple[list[M], int]:
        """The page of an ordered queryset the caller has already authorised, and the count."""
        return list(queryset[self.offset : self.offset + self.limit]), queryset.count()

    def slice[T](self, items: Sequence[T]) -> list[T]:
        """The page of a list ranked in Python (the person search)."""
        return list(items[self.offset : self.offset + self.limit])

    def envelope(self, count: int, items: list[Any]) -> dict[str, Any]:
        """The fields of a page, for the endpoint's own `PageOut` subclass."""
        following = self.offset + self.limit
        return {
            "count": count,
            "offset": self.offset,
            "limit": self.limit,
            "next_offset": following if following < count else None,
            "items": items,
        }


def paging(page: PageIn) -> Paging:
    """The paging parameters, or 422 with a Japanese message per parameter."""
    errors = paging_errors(page)
    if errors:
        raise unprocessable(errors)
    return Paging(offset=page.offset, limit=page.limit)
