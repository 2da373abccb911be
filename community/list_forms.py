"""The ibasho list's filters (a GET form) and its sortable columns, applied in SQL."""

from django import forms
from django.db.models import QuerySet

from community.models import Audience, Place, PlaceKind
from tsunagu.forms import short_text
from tsunagu.listing import FilterForm, Sort, choice_order

PLACE_SORTS = (
    Sort("name", "名称", ("name",)),
    # The kinds in the order of their choices (常設, 定期, イベント), not of their codes.
    Sort("kind", "種類", ("kind_order", "name")),
    Sort("capacity", "定員", ("capacity", "name")),
)
DEFAULT_PLACE_SORT = "name"


class PlaceFilterForm(FilterForm):
    name = short_text("名称", 120)
    kind = forms.ChoiceField(
        label="種類", choices=[("", "すべて"), *PlaceKind.choices], required=False
    )
    audience = forms.ChoiceField(
        label="対象", choices=[("", "すべて"), *Audience.choices], required=False
    )
    # `archived=1`, the address of the link to the archived places.
    archived = forms.BooleanField(label="アーカイブした居場所", required=False)

    def apply(self, queryset: QuerySet[Place]) -> QuerySet[Place]:
        queryset = queryset.annotate(kind_order=choice_order("kind", PlaceKind.values))
        queryset = queryset.filter(archived_at__isnull=not self.value("archived"))
        if self.value("name"):
            queryset = queryset.filter(name__contains=self.value("name"))
        if self.value("kind"):
            queryset = queryset.filter(kind=self.value("kind"))
        if self.value("audience"):
            queryset = queryset.filter(audience=self.value("audience"))
        return queryset

    @property
    def is_narrowed(self) -> bool:
        """Filtered beyond the choice of the used or the archived places."""
        return any(self.value(name) for name in ("name", "kind", "audience"))
