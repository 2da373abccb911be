"""The inbox's filter (a GET form): unread only, or every notification."""

from django import forms
from django.db.models import QuerySet

from notifications.models import Notification

SHOW_ALL = ""
SHOW_UNREAD = "unread"


class InboxFilterForm(forms.Form):
    show = forms.ChoiceField(
        label="表示",
        choices=[(SHOW_ALL, "すべて"), (SHOW_UNREAD, "未読")],
        required=False,
    )

    @property
    def unread_only(self) -> bool:
        return self.is_valid() and self.cleaned_data["show"] == SHOW_UNREAD

    def apply(self, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
        """A value that does not parse shows everything (its error is shown at the field)."""
        return queryset.filter(read_at__isnull=True) if self.unread_only else queryset
