"""The referral lists' filters (GET forms) and sortable columns, applied in SQL: the referrals
an office sent (`/referrals/`) and those made to it (`/referrals/incoming/`)."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet

from collaboration.models import Referral
from tsunagu.forms import Choices
from tsunagu.listing import FilterForm, Sort

# The default of the state filter: the referrals still waiting for an answer (打診中・受入).
OPEN = ""
ALL = "all"

INCOMING_SORTS = (
    Sort("referred", "つないだ日", ("referred_on",)),
    Sort("state", "状態", ("state",)),
)
# The longest waiting first: they need an answer first.
DEFAULT_INCOMING_SORT = "referred"

SENT_SORTS = (
    Sort("follow_up", "確認する日", ("follow_up_on",)),
    Sort("referred", "つないだ日", ("referred_on",)),
    Sort("agency", "つなぎ先", ("agency__name",)),
)
DEFAULT_SENT_SORT = "follow_up"


def state_choices() -> list[tuple[str, str]]:
    return [(OPEN, "打診中・受入"), (ALL, "すべて"), *Referral.State.choices]


class ReferralFilterForm(FilterForm):
    """A filter on the state: by default the open referrals (an invalid value is shown and not
    applied, as on every list: tsunagu.listing.FilterForm)."""

    state = forms.ChoiceField(label="状態", required=False)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.choice_field("state").choices = state_choices()

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    def apply(self, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
        state = self.value("state") or OPEN
        if state == OPEN:
            return queryset.filter(state__in=Referral.OPEN_STATES)
        if state == ALL:
            return queryset
        return queryset.filter(state=state)


class SentReferralFilterForm(ReferralFilterForm):
    """The office's own referrals: also by agency, and those past their date to check on."""

    agency = forms.TypedChoiceField(label="つなぎ先", coerce=int, empty_value=None, required=False)
    overdue = forms.BooleanField(label="確認日を過ぎた", required=False)

    def __init__(self, data: Any, *, agency_choices: Choices, today: date) -> None:
        super().__init__(data)
        self.today = today
        self.choice_field("agency").choices = [("", "すべて"), *agency_choices]

    def apply(self, queryset: QuerySet[Referral]) -> QuerySet[Referral]:
        queryset = super().apply(queryset)
        if self.value("agency"):
            queryset = queryset.filter(agency_id=self.value("agency"))
        if self.value("overdue"):
            queryset = queryset.filter(state__in=Referral.OPEN_STATES, follow_up_on__lt=self.today)
        return queryset
