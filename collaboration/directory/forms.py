"""Forms of the agency directory (地域資源). They check input only;
`collaboration.directory.services` enforces the rules, for the JSON API too."""

from typing import Any

from django import forms

from accounts.access import own_organisation_id
from accounts.models import LocalGovernment, User
from collaboration.models import Agency
from tsunagu.forms import (
    Choices,
    japanese_messages,
    text_area,
)
from tsunagu.validation import reject_control_characters


def directory_local_governments(user: User) -> list[LocalGovernment]:
    """The user's municipality and its prefecture (a prefectural office: the prefecture)."""
    own_organisation_id(user)
    assert user.organisation is not None
    local_government = user.organisation.local_government
    governments = [local_government]
    if local_government.prefecture_id is not None:
        governments.append(local_government.prefecture)  # type: ignore[arg-type]
    return governments


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
