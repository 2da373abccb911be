from django import forms

from audit.models import AuditEvent


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label="操作", choices=[("", "すべて"), *AuditEvent.Action.choices], required=False
    )
    actor = forms.CharField(label="操作者（ユーザー名）", required=False, max_length=150)
    object_type = forms.CharField(label="対象の種類", required=False, max_length=60)
    object_id = forms.CharField(label="対象ID", required=False, max_length=40)
    date_from = forms.DateField(
        label="開始日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="終了日", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            raise forms.ValidationError("開始日は終了日より前の日付にしてください。")
        return cleaned
