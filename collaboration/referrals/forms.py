"""Forms for referrals (つなぎ). They check input only; `collaboration.referrals.services`
enforces the rules, for the JSON API too."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone

from collaboration.models import Referral
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

FOLLOW_UP_AFTER_DAYS = 14


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


class ReferralCorrectionForm(ReferralForm):
    """A referral corrected (訂正) by its sender: what it wrote, prefilled (the agency and the
    state stay), the version it was opened at, and the reason kept with the previous version."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = text_area("訂正の理由", required=True, rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["agency"]
        self.fields["follow_up_on"].help_text = (
            "直すときは今日以降の日付にします。直さなければ過ぎた日のままでも保存できます。"
            + DATE_HELP
        )
        self.fields[
            "reason"
        ].help_text = "例: つなぐ人を取り違えた。前の版とともに残り、訂正の履歴に表示されます。"

    def correction_data(self) -> dict[str, Any]:
        data = {name: self.cleaned_data[name] for name in REFERRAL_CORRECTED_FIELDS}
        if "person" in self.fields:
            data["person"] = self.cleaned_data["person"]
        return data

    @staticmethod
    def initial_of(referral: Referral) -> dict[str, Any]:
        return {
            **{name: getattr(referral, name) for name in REFERRAL_CORRECTED_FIELDS},
            "person": referral.person_id,
            "version": referral.version,
        }


# The fields the correction form always has (the person only when there is a choice).
REFERRAL_CORRECTED_FIELDS = ("purpose", "accompanied", "follow_up_on")


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


class ReceiverAction(models.TextChoices):
    """What the organisation a referral was made to records (each by its own button)."""

    ACCEPT = "accept", "受け入れる"
    DECLINE = "decline", "お断りする"
    CONNECTED = "connected", "初回面談を記録する"


# Which action moves the referral to which state (the page offers those that may follow).
ACTION_STATES = {
    ReceiverAction.ACCEPT: Referral.State.ACCEPTED,
    ReceiverAction.DECLINE: Referral.State.FAILED,
    ReceiverAction.CONNECTED: Referral.State.CONNECTED,
}


class ReceiverActionForm(forms.Form):
    """The receiver's answer to a referral; the service checks the reason, the date and whether
    the action may follow now."""

    action = forms.ChoiceField(choices=ReceiverAction.choices, widget=forms.HiddenInput)
    reason = short_text("お断りする理由", 300)
    met_on = date_field("初回面談の日")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["version"].initial = referral.version
        self.fields["met_on"].initial = timezone.localdate()
        japanese_messages(self)
