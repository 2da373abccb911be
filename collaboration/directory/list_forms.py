"""The agency directory's filters (a GET form) and its sortable columns, applied in SQL."""

from django import forms
from django.db.models import QuerySet

from collaboration.models import Agency, AgencyCategory
from tsunagu.forms import short_text
from tsunagu.listing import FilterForm, Sort, choice_order

AGENCY_SORTS = (
    # The categories in the order of the ministry's table C, not of their codes.
    Sort("category", "種別（表C）", ("category_order", "name")),
    Sort("name", "機関名", ("name",)),
    Sort("government", "地域", ("local_government__name", "name")),
)
DEFAULT_AGENCY_SORT = "category"


def with_category_order(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    """`category_order`: the position of the agency's category in table C."""
    return agencies.annotate(category_order=choice_order("category", AgencyCategory.values))


class AgencyFilterForm(FilterForm):
    q = short_text("機関名・対象地域・所在地", 100)
    category = forms.ChoiceField(
        label="種別", choices=[("", "すべて"), *AgencyCategory.choices], required=False
    )
