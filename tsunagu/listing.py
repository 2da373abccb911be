"""Lists that scale: one page of an ordered, filtered queryset, read through the access kernel.

A list page names its sortable columns (`Sort`: a key in the address, a label, SQL orderings);
`ListPage.read` parses `page` and `sort` from the request, orders in the database (the primary
key breaks ties, so a row never appears on two pages), and fetches one page with
`accounts.access.page_for_user`: the audit row names only the rows shown, the total is one COUNT.
A parameter that does not parse falls back to the first page or the default order — a typed
address never answers 500. The template shows the page with `components/paging.html` and the
column headers with the `sort_header` tag (`tsunagu.templatetags.listing`). A list's filters
are a `FilterForm` (GET, shown with `components/filters.html`): a value that does not validate
is shown at its field and not applied.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.db.models import Case, IntegerField, Model, QuerySet, Value, When
from django.http import HttpRequest, QueryDict

from accounts.access import page_for_user, request_user
from accounts.roles import Right
from tsunagu.forms import japanese_messages

PAGE_SIZE = 50
# Beyond this page number an address is certainly wrong; refusing it keeps OFFSET bounded.
MAX_PAGE = 100_000
# Page numbers shown on each side of the current one in the paging bar.
PAGE_WINDOW = 2


class FilterForm(forms.Form):
    """The GET filters of a list. `value(name)` is a filter's value when it is valid; an invalid
    one is shown with its message and not applied, so that the rest of the list still answers
    (never a 500 for a typed address)."""

    def __init__(self, data: QueryDict) -> None:
        super().__init__(data)
        japanese_messages(self)

    def value(self, name: str) -> Any:
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)

    @property
    def is_filtered(self) -> bool:
        return any(self.value(name) not in (None, "", False) for name in self.fields)


def choice_order(field: str, values: list[str]) -> Case:
    """The position of `field`'s value among `values` (a choice's order, not its code's), to
    annotate and sort by; a value not among them comes last."""
    positions = [When(**{field: value}, then=Value(number)) for number, value in enumerate(values)]
    return Case(*positions, default=Value(len(values)), output_field=IntegerField())


@dataclass(frozen=True)
class Sort:
    """A sortable column: `key` in the address, `label` on the header, the SQL orderings."""

    key: str
    label: str
    orderings: tuple[str, ...]


def parse_page(value: str | None) -> int:
    """The page number asked for, or 1 when it is missing, not a number or out of bounds."""
    try:
        number = int(value or "1")
    except ValueError:
        return 1
    return number if 1 <= number <= MAX_PAGE else 1


def parse_sort(value: str | None, sorts: tuple[Sort, ...], default: str) -> tuple[Sort, bool]:
    """The column and direction asked for (`-key` is descending), or the default order."""
    wanted = (value or "").strip()
    descending = wanted.startswith("-")
    key = wanted.removeprefix("-")
    by_key = {sort.key: sort for sort in sorts}
    if key in by_key:
        return by_key[key], descending
    default_key = default.removeprefix("-")
    return by_key[default_key], default.startswith("-")


def reversed_ordering(ordering: str) -> str:
    return ordering.removeprefix("-") if ordering.startswith("-") else f"-{ordering}"


def sql_ordering(sort: Sort, descending: bool) -> list[str]:
    """The ORDER BY of a column and direction, with the id as the last tie-break."""
    orderings = [reversed_ordering(o) if descending else o for o in sort.orderings]
    return [*orderings, "-id" if descending else "id"]


def kept(request: HttpRequest, params: QueryDict | None) -> QueryDict:
    """The parameters the page addresses keep: the filters and the order, not the page."""
    query = (params if params is not None else request.GET).copy()
    query.pop("page", None)
    return query


@dataclass
class ListPage[M: Model]:
    """One page of a list as the template shows it."""

    records: list[M]
    total: int
    number: int
    size: int
    sort: Sort
    descending: bool
    sorts: tuple[Sort, ...]
    params: QueryDict = field(default_factory=QueryDict)

    @classmethod
    def read(
        cls,
        request: HttpRequest,
        queryset: QuerySet[M],
        *,
        right: Right,
        sorts: tuple[Sort, ...],
        default_sort: str,
        fields: tuple[str, ...] = (),
        size: int = PAGE_SIZE,
        params: QueryDict | None = None,
        leading: tuple[str, ...] = (),
    ) -> "ListPage[M]":
        """Read the page the request asks for; `params` are the filters to keep across pages
        (by default every parameter of the request except `page`); `leading` orderings come
        before the column's and are never reversed (e.g. closed cases last)."""
        sort, descending = parse_sort(request.GET.get("sort"), sorts, default_sort)
        number = parse_page(request.GET.get("page"))
        records, total = page_for_user(
            request_user(request),
            queryset.order_by(*leading, *sql_ordering(sort, descending)),
            right=right,
            request=request,
            fields=fields,
            offset=(number - 1) * size,
            limit=size,
        )
        return cls(records, total, number, size, sort, descending, sorts, kept(request, params))

    @classmethod
    def read_scoped(
        cls,
        request: HttpRequest,
        queryset: QuerySet[M],
        *,
        sorts: tuple[Sort, ...],
        default_sort: str,
        size: int = PAGE_SIZE,
        params: QueryDict | None = None,
    ) -> "ListPage[M]":
        """A page of a list that holds no personal data, already scoped and authorised by the
        caller (the agency directory, the audit log): no access kernel and no audit row."""
        sort, descending = parse_sort(request.GET.get("sort"), sorts, default_sort)
        number = parse_page(request.GET.get("page"))
        ordered = queryset.order_by(*sql_ordering(sort, descending))
        offset = (number - 1) * size
        records = list(ordered[offset : offset + size])
        total = ordered.count()
        return cls(records, total, number, size, sort, descending, sorts, kept(request, params))

    # ---- what the paging bar shows ----

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def first_shown(self) -> int:
        return (self.number - 1) * self.size + 1 if self.records else 0

    @property
    def last_shown(self) -> int:
        return (self.number - 1) * self.size + len(self.records)

    @property
    def beyond_last(self) -> bool:
        """An address asked for a page after the last one (the list shrank, or was typed)."""
        return not self.records and self.total > 0

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.page_count

    def page_numbers(self) -> list[int | None]:
        """The page numbers of the bar: the first, the last and a window around the current
        one; None marks a gap (shown as …)."""
        last = self.page_count
        wanted = {1, last, *range(self.number - PAGE_WINDOW, self.number + PAGE_WINDOW + 1)}
        shown = sorted(n for n in wanted if 1 <= n <= last)
        numbers: list[int | None] = []
        for n in shown:
            if numbers and n - (numbers[-1] or 0) > 1:
                numbers.append(None)
            numbers.append(n)
        return numbers

    # ---- addresses that keep the filters ----

    def page_query(self, number: int) -> str:
        query = self.params.copy()
        if number > 1:
            query["page"] = str(number)
        return query.urlencode()

    def sort_query(self, key: str) -> str:
        """The address of a column header: sort by it, or reverse it when it is the current
        order; back to the first page, since the rows of page N change with the order."""
        query = self.params.copy()
        descending = key == self.sort.key and not self.descending
        query["sort"] = f"-{key}" if descending else key
        return query.urlencode()

    def aria_sort(self, key: str) -> str:
        if key != self.sort.key:
            return ""
        return "descending" if self.descending else "ascending"

    def label_of(self, key: str) -> str:
        return next((sort.label for sort in self.sorts if sort.key == key), key)

    def __iter__(self) -> Any:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)
