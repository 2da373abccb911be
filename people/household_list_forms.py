"""The household list's filters (a GET form) and its sortable columns, applied in SQL."""

from django.db.models import QuerySet

from people.models import Household
from tsunagu.forms import short_text
from tsunagu.listing import FilterForm, Sort

HOUSEHOLD_SORTS = (
    Sort("label", "世帯", ("label",)),
    Sort("address", "住所", ("address",)),
    Sort("members", "世帯員", ("member_count",)),
)
DEFAULT_HOUSEHOLD_SORT = "label"


class HouseholdFilterForm(FilterForm):
    label = short_text("世帯の呼び名", 100)
    address = short_text("住所", 200)

    def apply(self, queryset: QuerySet[Household]) -> QuerySet[Household]:
        if self.value("label"):
            queryset = queryset.filter(label__contains=self.value("label"))
        if self.value("address"):
            queryset = queryset.filter(address__contains=self.value("address"))
        return queryset
