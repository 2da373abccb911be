"""The audit log's filters (a GET form) and its sortable columns, applied in SQL."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

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
    actor = forms.CharField(label="操作者（ユーザー名）", required=False, max_length=150)
    object_type = forms.CharField(
        label="対象の種類", required=False, max_length=60, help_text="例: people.person"
    )
    object_id = forms.CharField(label="対象ID", required=False, max_length=40)
    date_from = forms.DateField(
        label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

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
            ("actor", "actor__username"),
            ("object_type", "object_type"),
            ("object_id", "object_id"),
        ):
            if self.value(name):
                events = events.filter(**{lookup: self.value(name)})
        tz = timezone.get_current_timezone()
        if self.value("date_from"):
            events = events.filter(at__gte=datetime.combine(self.value("date_from"), time.min, tz))
        if self.value("date_to"):
            events = events.filter(at__lte=datetime.combine(self.value("date_to"), time.max, tz))
        return events
