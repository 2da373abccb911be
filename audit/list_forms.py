"""The audit log's filters (a GET form) and its sortable columns, applied in SQL.

Every filter is named in Japanese: the action and the record kind are selects of their Japanese
names (the values are the stored codes, so that older addresses such as `object_type=cases.case`
keep working), the staff member is found by display name or by user name."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from audit.labels import record_kind_choices
from audit.models import AuditEvent
from tsunagu.listing import FilterForm, Sort

AUDIT_SORTS = (
    Sort("at", "日時", ("at",)),
    Sort("actor", "操作者", ("actor__username",)),
    Sort("action", "操作", ("action",)),
)
DEFAULT_AUDIT_SORT = "-at"
FROM_AFTER_TO = "開始日は終了日より前の日付にしてください。"


class AuditFilterForm(FilterForm):
    action = forms.ChoiceField(
        label="操作", choices=[("", "すべて"), *AuditEvent.Action.choices], required=False
    )
    actor = forms.CharField(label="操作者（氏名またはユーザー名）", required=False, max_length=150)
    object_type = forms.ChoiceField(label="記録の種類", required=False)
    object_id = forms.CharField(label="記録番号", required=False, max_length=40)
    date_from = forms.DateField(
        label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["object_type"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [("", "すべて"), *record_kind_choices()]

    def clean_object_id(self) -> str:
        # 「#12」 as the page shows a record number is the same number.
        return str(self.cleaned_data.get("object_id") or "").strip().removeprefix("#").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", FROM_AFTER_TO)
        return cleaned

    def apply(self, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
        """The events of the valid filters; an invalid one is shown at its field, not applied."""
        for name, lookup in (
            ("action", "action"),
            ("object_type", "object_type"),
            ("object_id", "object_id"),
        ):
            if self.value(name):
                events = events.filter(**{lookup: self.value(name)})
        if self.value("actor"):
            events = events.filter(actor_matches(self.value("actor")))
        tz = timezone.get_current_timezone()
        if self.value("date_from"):
            events = events.filter(at__gte=datetime.combine(self.value("date_from"), time.min, tz))
        if self.value("date_to"):
            events = events.filter(at__lte=datetime.combine(self.value("date_to"), time.max, tz))
        return events


def actor_matches(text: str) -> Q:
    """A staff member by user name (as older addresses give it: `actor=soudan`) or by part of
    the display name (相談, 花子; words apart each match: 「相談 花子」); the events are already
    scoped to one office, so a part of a name matches only that office's staff."""
    words = text.split()
    by_name = Q()
    for word in words:
        by_name &= Q(actor__display_name__icontains=word)
    return Q(actor__username=text.strip()) | by_name
