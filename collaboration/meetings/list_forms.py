"""The meeting list's filters (a GET form) and its sortable columns, applied in SQL."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from collaboration.models import Meeting
from tsunagu.forms import date_field
from tsunagu.listing import FilterForm, Sort, choice_order

MEETING_SORTS = (
    Sort("held", "日時", ("held_at",)),
    # The kinds in the order of their choices (支援会議 first), not of their codes.
    Sort("kind", "種類", ("kind_order", "-held_at")),
    Sort("title", "会議名", ("title",)),
)
# The newest first; meetings still to come are read in the order they come.
DEFAULT_MEETING_SORT = "-held"
UPCOMING_MEETING_SORT = "held"
TO_BEFORE_FROM = "「いつまで」は「いつから」と同じ日か、それより後にしてください。"


def start_of(day: date) -> datetime:
    """The first moment of `day` in the local time zone, for a range on a datetime column."""
    return timezone.make_aware(datetime.combine(day, time.min))


class MeetingFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label="種類", choices=[("", "すべて"), *Meeting.Kind.choices], required=False
    )
    when = forms.ChoiceField(
        label="時期",
        choices=[("", "すべて"), ("upcoming", "これからの会議"), ("past", "終わった会議")],
        required=False,
    )
    held_from = date_field("いつから", help_text="例: R7.4.1、2025-04-01")
    held_to = date_field("いつまで", help_text="例: R8.3.31、2026-03-31")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, last = cleaned.get("held_from"), cleaned.get("held_to")
        if first and last and last < first:
            self.add_error("held_to", TO_BEFORE_FROM)
        return cleaned

    @property
    def default_sort(self) -> str:
        return UPCOMING_MEETING_SORT if self.value("when") == "upcoming" else DEFAULT_MEETING_SORT

    def apply(self, queryset: QuerySet[Meeting], now: datetime) -> QuerySet[Meeting]:
        queryset = queryset.annotate(kind_order=choice_order("kind", Meeting.Kind.values))
        if self.value("kind"):
            queryset = queryset.filter(kind=self.value("kind"))
        if self.value("when") == "upcoming":
            queryset = queryset.filter(held_at__gte=now)
        elif self.value("when") == "past":
            queryset = queryset.filter(held_at__lt=now)
        if self.value("held_from"):
            queryset = queryset.filter(held_at__gte=start_of(self.value("held_from")))
        if self.value("held_to"):
            held_to: date = self.value("held_to")
            if held_to < date.max:  # the last day a date can name has no day after it
                queryset = queryset.filter(held_at__lt=start_of(held_to + timedelta(1)))
        return queryset
