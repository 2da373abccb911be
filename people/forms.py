from datetime import date
from typing import Any

from django import forms

from people.models import (
    AgeBand,
    ContactPreference,
    Household,
    Person,
    PersonPhone,
    Relationship,
)
from people.services import PHONE_KIND_WITHOUT_NUMBER, RESTRICTION_REASON_REQUIRED
from people.validation import (
    POSTAL_LOOKUP_UNAVAILABLE,
    PostalLookupUnavailable,
    address_for_postal_code,
    normalise_postal_code,
    reject_future_birth_date,
)
from tsunagu.forms import JapaneseDateField
from tsunagu.validation import reject_control_characters


def fill_address_from_postal_code(form: forms.BaseForm, cleaned: dict[str, Any]) -> None:
    """Check the postal code and fill an empty address from it.

    An unknown code is the worker's to correct. When the postal data cannot be read, a typed
    address still saves; an empty one gets a message on the field, and the input stays.
    """
    postal_code = cleaned.get("postal_code")
    if not postal_code:
        return
    try:
        address = address_for_postal_code(postal_code)
    except forms.ValidationError as error:
        form.add_error("postal_code", error)
    except PostalLookupUnavailable:
        if not cleaned.get("address"):
            form.add_error("postal_code", POSTAL_LOOKUP_UNAVAILABLE)
    else:
        if not cleaned.get("address"):
            cleaned["address"] = address


def postal_code_field() -> forms.CharField:
    # Wider than the stored 7 digits: workers type 100-0001 or full-width digits.
    return forms.CharField(
        label="郵便番号", max_length=10, required=False, help_text="例: 100-0001"
    )


class PersonForm(forms.ModelForm[Person]):
    birth_date = JapaneseDateField(label="生年月日", required=False)
    postal_code = postal_code_field()
    contact_preferences = forms.MultipleChoiceField(
        label="連絡方法の希望",
        choices=ContactPreference.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    phone = forms.CharField(label="電話番号", max_length=30, required=False)
    # Blank: the kind is read from the number (PersonPhone.kind_of_number), right for most
    # numbers; a worker chooses when it is wrong (a mobile phone kept at the workplace …).
    phone_kind = forms.ChoiceField(
        label="電話の種別",
        choices=[("", "番号から判断する"), *PersonPhone.Kind.choices],
        required=False,
        help_text="空欄なら番号から判断します（090・080・070は携帯、市外局番からは自宅）。",
    )
    # Shown only for a restricted person: lifting the restriction must be confirmed.
    confirm_lift_restriction = forms.BooleanField(
        label="制限の解除を確認しました（解除すると担当チーム以外にも氏名などが表示されます）",
        required=False,
    )

    class Meta:
        model = Person
        fields = [
            "family_name",
            "given_name",
            "family_name_kana",
            "given_name_kana",
            "koseki_kana",
            "alias",
            "birth_date",
            "estimated_age",
            "age_band",
            "sex",
            "postal_code",
            "address",
            "address_detail",
            "contact_preferences",
            "phone_hours",
            "contact_note",
            "is_restricted",
            "restriction_reason",
        ]

    TEXT_FIELDS = (
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "koseki_kana",
        "alias",
        "address",
        "address_detail",
        "phone_hours",
        "contact_note",
        "phone",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["estimated_age"].widget.attrs.update(min=0, max=130)
        for name in self.TEXT_FIELDS:
            self.fields[name].validators.append(reject_control_characters)
        if self.instance.pk:
            del self.fields["phone"]
            del self.fields["phone_kind"]
            self.fields["version"].initial = self.instance.version
        if not self.instance.is_restricted:
            del self.fields["confirm_lift_restriction"]

    def clean_birth_date(self) -> date | None:
        value: date | None = self.cleaned_data.get("birth_date")
        if value:
            reject_future_birth_date(value)
        return value

    def clean_estimated_age(self) -> int | None:
        value: int | None = self.cleaned_data.get("estimated_age")
        if value is not None and value > 130:
            raise forms.ValidationError("推定年齢は0〜130歳の範囲で入力してください。")
        return value

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data.get("postal_code", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        has_name = cleaned.get("family_name") or cleaned.get("given_name")
        # A name refused for its own reason (too long, control characters) was still typed.
        name_refused = any(name in self.errors for name in ("family_name", "given_name", "alias"))
        if not has_name and not cleaned.get("alias") and not name_refused:
            raise forms.ValidationError(
                "氏名か仮名・呼び名（例: Bさんの長男）のどちらかを入力してください。"
            )
        fill_address_from_postal_code(self, cleaned)
        if cleaned.get("phone_kind") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error("phone_kind", PHONE_KIND_WITHOUT_NUMBER)
        if cleaned.get("is_restricted") and not cleaned.get("restriction_reason"):
            self.add_error("restriction_reason", RESTRICTION_REASON_REQUIRED)
        if cleaned.get("birth_date") and cleaned.get("estimated_age") is not None:
            self.add_error("estimated_age", "生年月日がわかる場合は推定年齢は不要です。")
        if not cleaned.get("age_band"):
            cleaned["age_band"] = AgeBand.UNKNOWN
        return cleaned


class HouseholdForm(forms.ModelForm[Household]):
    postal_code = postal_code_field()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        fields = ["label", "postal_code", "address", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("label", "address"):
            self.fields[name].validators.append(reject_control_characters)
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data.get("postal_code", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fill_address_from_postal_code(self, cleaned)
        return cleaned


class MembershipForm(forms.Form):
    person = forms.IntegerField(
        widget=forms.HiddenInput, error_messages={"required": "加える人を選んでください。"}
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    relationship = forms.ChoiceField(label="続柄", choices=Relationship.choices)
    joined_on = JapaneseDateField(label="加入日", required=False)
    lives_together = forms.BooleanField(label="同居", required=False, initial=True)
    is_key_contact = forms.BooleanField(label="主な連絡先", required=False)
