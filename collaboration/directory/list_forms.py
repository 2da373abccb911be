"""The agency directory's filters (a GET form) and its sortable columns, applied in SQL."""

from django import forms
from django.db.models import Case, IntegerField, QuerySet, Value, When

from collaboration.models import Agency, AgencyCategory
from tsunagu.forms import short_text
from tsunagu.listing import FilterForm, Sort

AGENCY_SORTS = (
    # The categories in the order of the ministry's table C, not of their codes.
    Sort("category", "種別（表C）", ("category_order", "name")),
    Sort("name", "機関名", ("name",)),
    Sort("government", "地域", ("local_government__name", "name")),
)
DEFAULT_AGENCY_SORT = "category"


def with_category_order(agencies: QuerySet[Agency]) -> QuerySet[Agency]:
    """`category_order`: the position of the agency's category in table C."""
    positions = [
        When(category=value, then=Value(number))
        for number, value in enumerate(AgencyCategory.values)
    ]
    return agencies.annotate(
        category_order=Case(*positions, default=Value(len(positions)), output_field=IntegerField())
    )


class AgencyFilterForm(FilterForm):
    q = short_text("機関名・対象地域・所在地", 100)
    category = forms.ChoiceField(
        label="種別", choices=[("", "すべて"), *AgencyCategory.choices], required=False
    )
