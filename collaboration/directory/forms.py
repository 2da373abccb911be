"""Forms of the agency directory (地域資源). They check input only;
`collaboration.directory.services` enforces the rules, for the JSON API too."""

from typing import Any

from django import forms

from accounts.models import LocalGovernment
from collaboration.models import Agency
from tsunagu.forms import (
    Choices,
    japanese_messages,
    text_area,
)
from tsunagu.validation import reject_control_characters


def agency_choices(agencies: list[Agency]) -> Choices:
    return [(agency.pk, f"{agency.name}（{agency.get_category_display()}）") for agency in agencies]


class AgencyForm(forms.ModelForm[Agency]):
    class Meta:
        model = Agency
        fields = [
            "local_government",
            "name",
            "category",
            "address",
            "phone",
            "hours",
            "area",
            "note",
        ]

    def __init__(self, *args: Any, governments: list[LocalGovernment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["local_government"]
        field.queryset = LocalGovernment.objects.filter(  # type: ignore[attr-defined]
            pk__in=[government.pk for government in governments]
        )
        field.empty_label = None  # type: ignore[attr-defined]
        field.initial = governments[0].pk
        self.fields["note"] = text_area("メモ")
        for name in ("name", "address", "phone", "hours", "area"):
            self.fields[name].validators.append(reject_control_characters)
        japanese_messages(self)
        self.fields["category"].error_messages["required"] = "種別を選んでください。"


class AgencyCorrectionForm(forms.ModelForm[Agency]):
    """A directory entry corrected (訂正): its fields prefilled (its local government and its link
    to an organisation using tsunagu stay: collaboration.directory.services.CORRECTABLE_FIELDS),
    the version it was opened at, and the reason kept with the previous one."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = text_area("訂正の理由", required=True, rows=3)

    class Meta:
        model = Agency
        fields = ["name", "category", "address", "phone", "hours", "area", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"] = text_area("メモ")
        for name in ("name", "address", "phone", "hours", "area"):
            self.fields[name].validators.append(reject_control_characters)
        self.fields[
            "reason"
        ].help_text = "例: 電話番号の変更。前の版とともに残り、訂正の履歴に表示されます。"
        japanese_messages(self)
        self.fields["category"].error_messages["required"] = "種別を選んでください。"

    def correction_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    @classmethod
    def initial_of(cls, agency: Agency) -> dict[str, Any]:
        """The form's initial values. The form is not bound to the entry (`instance`), so that
        checking the input leaves the loaded entry as it is saved."""
        return {name: getattr(agency, name) for name in cls.Meta.fields} | {
            "version": agency.version
        }
