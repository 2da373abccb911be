"""Forms for referrals (つなぎ) and the agency directory (地域資源). They check input only; the
services (`cases.services`, `collaboration.services`) enforce the rules, for the JSON API too."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from accounts.access import own_organisation_id
from accounts.models import LocalGovernment, User
from collaboration.models import Agency, AgencyCategory, Referral
from tsunagu.forms import (
    BLANK,
    DATE_HELP,
    Choices,
    OfferedChoiceField,
    date_field,
    japanese_messages,
    short_text,
    text_area,
)
from tsunagu.validation import reject_control_characters

FOLLOW_UP_AFTER_DAYS = 14


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


def follow_up_default() -> date:
    return timezone.localdate() + timedelta(days=FOLLOW_UP_AFTER_DAYS)


class ReferralForm(forms.Form):
    person = forms.TypedChoiceField(label="つなぐ人", coerce=int)
    agency = forms.TypedChoiceField(label="つなぎ先", coerce=int)
    purpose = short_text("つなぐ目的", 300, required=True)
    accompanied = forms.BooleanField(label="同行する", required=False)
    follow_up_on = date_field(
        "確認する日",
        required=True,
        help_text="つながったかを確認する日。過ぎると見守りリストに出ます。" + DATE_HELP,
    )

    def __init__(
        self,
        *args: Any,
        agency_choices: Choices = (),
        person_choices: Choices | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [BLANK, *agency_choices]  # type: ignore[attr-defined]
        if person_choices is None:
            del self.fields["person"]
        else:
            self.fields["person"].choices = [BLANK, *person_choices]  # type: ignore[attr-defined]
        japanese_messages(self)
        self.fields["agency"].error_messages["required"] = "つなぎ先の機関を選んでください。"


class ReferralStateForm(forms.Form):
    # Offers the states that may follow; any other is refused by `referral_set_state`.
    state = OfferedChoiceField(label="新しい状態", accepted=Referral.State.choices)
    note = short_text("メモ（不成立のときは理由）", 300)
    follow_up_on = date_field("次に確認する日")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        next_states = Referral.NEXT_STATES[referral.state]
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            BLANK,
            *((state, Referral.State(state).label) for state in next_states),
        ]
        self.fields["version"].initial = referral.version
        japanese_messages(self)


class AgencySearchForm(forms.Form):
    q = forms.CharField(label="機関名", max_length=100, required=False)
    category = forms.ChoiceField(
        label="種別", choices=[("", "すべて"), *AgencyCategory.choices], required=False
    )


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
