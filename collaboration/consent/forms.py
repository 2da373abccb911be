"""Forms for recording and withdrawing a consent (同意). They check input only; the rules (dates,
scope, guardian's name) are the service's (`collaboration.consent_services`)."""

from typing import Any

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from accounts.models import Organisation
from collaboration.consent.services import default_expiry
from collaboration.models import AgencyCategory, Consent, InfoKind
from tsunagu.forms import Choices, date_field, japanese_messages, short_text, text_area


def organisation_label(organisation: Organisation) -> str:
    return (
        f"{organisation.name}（{organisation.get_type_display()}・"
        f"{organisation.local_government.name}）"
    )


class ConsentForm(forms.Form):
    organisations = forms.TypedMultipleChoiceField(
        label="共有先の機関",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="同じ都道府県の tsunagu を使っている機関です。",
    )
    agency_categories = forms.MultipleChoiceField(
        label="共有先の機関の種別",
        choices=AgencyCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="その種別の機関すべてが共有先になります（例: 地域包括支援センター）。",
    )
    info_kinds = forms.MultipleChoiceField(
        label="共有する情報",
        choices=InfoKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    purpose = short_text("利用目的", 300, required=True)
    given_by = forms.ChoiceField(
        label="同意した人", choices=Consent.GivenBy.choices, widget=forms.RadioSelect
    )
    guardian_name = short_text("保護者・後見人の氏名", 100)
    method = forms.ChoiceField(
        label="同意の方法", choices=Consent.Method.choices, widget=forms.RadioSelect
    )
    given_on = date_field("同意日", required=True)
    expires_on = date_field("有効期限", required=True, help_text="ふつうは同意日から1年です。")
    allows_multiagency_meeting = forms.BooleanField(
        label="重層的支援会議で共有してよい", required=False
    )

    def __init__(self, *args: Any, organisation_choices: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisations"].choices = list(organisation_choices)  # type: ignore[attr-defined]
        japanese_messages(self)
        self.fields["info_kinds"].error_messages["required"] = (
            "共有する情報の種類を一つ以上選んでください。"
        )

    @classmethod
    def initial_values(cls) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "given_on": today,
            "expires_on": default_expiry(today),
            "given_by": Consent.GivenBy.PERSON,
            "method": Consent.Method.SIGNATURE,
        }


class WithdrawForm(forms.Form):
    note = text_area("撤回の記録", required=True, rows=2)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].help_text = "例: 令和7年6月3日、本人から電話で撤回の申出。"
        self.fields["note"].error_messages["required"] = (
            "撤回の記録（いつ、誰から、どのように申出があったか）を入力してください。"
        )
        self.fields["note"].validators.append(
            MaxLengthValidator(300, "撤回の記録は300文字以内で入力してください。")
        )
