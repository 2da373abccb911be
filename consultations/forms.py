"""The intake form (相談受付), built for a worker taking a call: one page, keyboard first.

The form reads the input; `consultation_record` enforces the rules (the JSON API's intake too)
before it writes anything, and its refusals are shown at their fields: nothing at all is written
(no person, case or referral half-created) until everything is accepted.
"""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone

from accounts.models import User
from collaboration.directory.services import directory_for
from collaboration.models import Agency
from consultations.channels import Channel
from consultations.intake import DISPOSITION_REQUIRED
from consultations.models import Category, Consultation, ConsulterType, Disposition, Urgency
from consultations.services import CORRECTABLE_FIELDS
from people.access import can_see_identity, persons_for_search
from people.models import AgeBand, Person, Relationship
from tsunagu.forms import JapaneseDateField, japanese_messages, show_refusal
from tsunagu.validation import reject_control_characters, reject_control_characters_keep_lines
from tsunagu.widgets import joined_date_time, split_datetime_field

MAX_AGE = 130
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
# The names `consultation_record` gives to fields the form names otherwise.
SERVICE_NAMES = {"agency": "referral_agency"}
# Fields of a consultation shown only with the person's identity (consultation_detail).
IDENTIFYING_FIELDS = ("consulter_name", "age_at_contact")


class PersonMode:
    EXISTING = "existing"
    NEW = "new"
    ALIAS = "alias"
    CHOICES = [
        (EXISTING, "登録済みの人から探す"),
        (NEW, "新しく登録する（氏名がわかる）"),
        (ALIAS, "氏名はわからない（仮名で登録する）"),
    ]


class AgencyChoiceField(forms.ModelChoiceField[Agency]):
    def label_from_instance(self, obj: Agency) -> str:
        return f"{obj.name}（{obj.get_category_display()}）"


class ConsultationForm(forms.Form):
    """受付・相談者・本人・相談内容・対応, in the order a call goes."""

    # Every name the form posts; drafts keep these and nothing else.
    MULTI_VALUE_FIELDS = ("categories",)
    TEXT_FIELDS = (
        "consulter_name",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "alias",
        "referral_purpose",
    )
    NEW_PERSON_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana")
    # The ways of choosing the person: found, new (named) or unnamed.
    PERSON_FIELDS = ("person_mode", "person", *NEW_PERSON_FIELDS, "alias")
    CONSULTATION_FIELDS = (
        "received_at",
        "channel",
        "consulter_type",
        "consulter_relationship",
        "consulter_agency",
        "consulter_name",
        "age_at_contact",
        "categories",
        "main_concern",
        "content",
        "urgency",
        "disposition",
    )

    # 受付
    received_at = split_datetime_field(
        "受付日時",
        attrs={"autofocus": True},
        input_formats=[DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M"],
        error_messages={
            "required": "受付日時を入力してください。",
            "invalid": "受付日時は「2025-04-01 14:05」の形で入力してください。",
        },
    )
    channel = forms.ChoiceField(
        label="相談方法",
        choices=Channel.choices,
        initial=Channel.PHONE,
        error_messages={"required": "相談方法を選んでください。"},
    )
    # 相談者
    consulter_type = forms.ChoiceField(
        label="相談者",
        choices=ConsulterType.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "相談してきた人（本人・家族・関係機関など）を選んでください。"},
    )
    consulter_relationship = forms.ChoiceField(
        label="相談者の続柄",
        choices=[("", "選んでください"), *Relationship.choices],
        required=False,
        help_text="本人から見た相談者の続柄（例: 母）",
    )
    consulter_agency = AgencyChoiceField(
        label="相談してきた機関",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="選んでください",
        error_messages={"invalid_choice": "選んだ機関が地域資源の一覧にありません。"},
    )
    consulter_name = forms.CharField(label="相談者の氏名", max_length=100, required=False)
    # 相談の対象となる人
    person_mode = forms.ChoiceField(
        label="相談の対象となる人",
        choices=PersonMode.CHOICES,
        widget=forms.RadioSelect,
        initial=PersonMode.EXISTING,
        error_messages={"required": "相談の対象となる人を探すか、新しく登録してください。"},
    )
    person = forms.ModelChoiceField(
        label="登録済みの人",
        queryset=Person.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "選んだ人が見つかりません。もう一度探してください。"},
    )
    family_name = forms.CharField(label="姓", max_length=60, required=False)
    given_name = forms.CharField(label="名", max_length=60, required=False)
    family_name_kana = forms.CharField(label="セイ", max_length=120, required=False)
    given_name_kana = forms.CharField(label="メイ", max_length=120, required=False)
    alias = forms.CharField(
        label="仮名・呼び名",
        max_length=120,
        required=False,
        help_text="例: ○○さんの長男",
    )
    age_at_contact = forms.IntegerField(
        label="年齢（相談時）",
        required=False,
        min_value=0,
        max_value=MAX_AGE,
        help_text="生年月日がわからないとき。わかる範囲で",
        error_messages={
            "invalid": "年齢は数字で入力してください。",
            "min_value": f"年齢は0〜{MAX_AGE}歳の範囲で入力してください。",
            "max_value": f"年齢は0〜{MAX_AGE}歳の範囲で入力してください。",
        },
    )
    # 相談内容
    categories = forms.MultipleChoiceField(
        label="相談内容（あてはまるものすべて）",
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    main_concern = forms.ChoiceField(
        label="主な相談内容",
        choices=[("", "選んでください"), *Category.choices],
        error_messages={"required": "主な相談内容を1つ選んでください。"},
    )
    content = forms.CharField(
        label="相談の内容",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=20000,
    )
    urgency = forms.ChoiceField(
        label="緊急度", choices=Urgency.choices, widget=forms.RadioSelect, initial=Urgency.NORMAL
    )
    # 対応
    disposition = forms.ChoiceField(
        label="対応",
        choices=Disposition.choices,
        widget=forms.RadioSelect,
        error_messages={"required": DISPOSITION_REQUIRED, "invalid_choice": DISPOSITION_REQUIRED},
    )
    referral_agency = AgencyChoiceField(
        label="つなぎ先の機関",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="選んでください",
        error_messages={"invalid_choice": "選んだ機関が地域資源の一覧にありません。"},
    )
    referral_purpose = forms.CharField(
        label="つなぐ目的", max_length=300, required=False, help_text="例: 就労に向けた相談"
    )
    referral_follow_up_on = JapaneseDateField(
        label="つながったかを確認する日",
        required=False,
        help_text="例: 2025-04-15、令和7年4月15日",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        agencies = directory_for(user).order_by("category", "name")
        self.fields["consulter_agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["referral_agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["person"].queryset = persons_for_search(  # type: ignore[attr-defined]
            user, Person.objects.current()
        )
        if not self.is_bound and "received_at" not in self.initial:
            self.initial["received_at"] = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["age_at_contact"].widget.attrs.update(inputmode="numeric")
        for name in self.TEXT_FIELDS:
            self.fields[name].validators.append(reject_control_characters)
        self.fields["content"].validators.append(reject_control_characters_keep_lines)
        japanese_messages(self)

    # --- checks -----------------------------------------------------------------------------

    def clean(self) -> dict[str, Any]:
        """Which person: the page's three ways (found, new, unnamed) each need their fields."""
        cleaned = super().clean() or {}
        mode = cleaned.get("person_mode")
        if mode == PersonMode.EXISTING:
            if cleaned.get("person") is None and "person" not in self.errors:
                self.add_error(
                    "person",
                    "相談の対象となる人を検索して選んでください。"
                    "見つからないときは「新しく登録する」か「仮名で登録する」を選んでください。",
                )
        elif mode == PersonMode.NEW:
            named = cleaned.get("family_name") or cleaned.get("given_name")
            refused = any(name in self.errors for name in ("family_name", "given_name"))
            if not named and not refused:
                self.add_error(
                    "family_name",
                    "姓か名を入力してください。氏名がわからないときは「仮名で登録する」を選んでください。",
                )
        elif mode == PersonMode.ALIAS and not cleaned.get("alias") and "alias" not in self.errors:
            self.add_error("alias", "仮名・呼び名を入力してください（例: ○○さんの長男）。")
        return cleaned

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid_fields()

    def mark_invalid_fields(self) -> None:
        """aria-invalid on the inputs with an error, for screen readers."""
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"

    def add_service_error(self, error: ValidationError) -> None:
        """A refusal of `consultation_record`, shown at the field it concerns."""
        show_refusal(self, error, SERVICE_NAMES)
        self.mark_invalid_fields()

    # --- what the service receives ------------------------------------------------------------

    def service_arguments(self) -> dict[str, Any]:
        """The keyword arguments of `consultation_record` (without organisation, user, draft)."""
        cleaned = self.cleaned_data
        data = {name: cleaned[name] for name in self.CONSULTATION_FIELDS}
        arguments: dict[str, Any] = {"data": data}
        mode = cleaned["person_mode"]
        if mode == PersonMode.EXISTING:
            arguments["person"] = cleaned["person"]
        else:
            arguments["new_person"] = self.new_person_data()
        if cleaned["disposition"] == Disposition.REFER:
            agency: Agency | None = cleaned["referral_agency"]
            arguments["agency_id"] = agency.pk if agency else None
            arguments["referral_purpose"] = cleaned["referral_purpose"]
            arguments["referral_follow_up_on"] = cleaned["referral_follow_up_on"]
        return arguments

    def new_person_data(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if cleaned["person_mode"] == PersonMode.ALIAS:
            person: dict[str, Any] = {"alias": cleaned["alias"]}
        else:
            person = {name: cleaned[name] for name in self.NEW_PERSON_FIELDS}
            person["alias"] = cleaned["alias"]
        age = cleaned.get("age_at_contact")
        if age is not None:
            # What the caller said becomes the person's estimated age (it grows with time).
            person["estimated_age"] = age
            person["age_band"] = AgeBand.for_age(age)
        return person

    # --- showing the chosen person again ------------------------------------------------------

    def chosen_person(self) -> Person | None:
        """The person picked in the search, to show again when the form is re-rendered."""
        if self.is_bound and hasattr(self, "cleaned_data") and "person" in self.cleaned_data:
            chosen: Person | None = self.cleaned_data["person"]
            return chosen
        value = self["person"].value()
        if not value:
            return None
        try:
            return self.fields["person"].queryset.filter(pk=value).first()  # type: ignore[attr-defined]
        except (ValueError, TypeError):
            return None

    @classmethod
    def draft_data(cls, post: QueryDict) -> dict[str, list[str]]:
        """The posted values worth keeping in a draft: the form's fields, and the search text."""
        names = {*cls.base_fields, "person_q"}
        return {
            name: [value[:20000] for value in post.getlist(name)[:20]]
            for name in names
            if name in post
        }

    @classmethod
    def initial_from_draft(cls, data: dict[str, list[str]]) -> dict[str, Any]:
        """A draft as initial values: the form opens as it was left, without error messages."""
        initial: dict[str, Any] = {}
        received_at = joined_date_time(data, "received_at")  # its 日付 and 時刻 halves
        if received_at:
            initial["received_at"] = received_at
        for name, values in data.items():
            if name not in cls.base_fields or not values:
                continue
            initial[name] = values if name in cls.MULTI_VALUE_FIELDS else values[-1]
        return initial


class ConsultationCorrectionForm(forms.Form):
    """A recorded consultation corrected (訂正): its content fields as at intake, prefilled, the
    version it was opened at and the reason. The person and the disposition are not offered:
    a correction does not change them (consultations.services.CORRECTABLE_FIELDS)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    reason = forms.CharField(
        label="訂正の理由",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text="例: 受付日時の入力誤り。前の版とともに残り、訂正の履歴に表示されます。",
        error_messages={"required": "訂正の理由を入力してください。"},
        validators=[reject_control_characters_keep_lines],
    )

    def __init__(self, *args: Any, user: User, consultation: Consultation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        intake = ConsultationForm(user=user)
        self.correctable = [
            name
            for name in CORRECTABLE_FIELDS
            # With a birth date the age is computed, as at intake; the field is not offered.
            if not (name == "age_at_contact" and consultation.person.birth_date)
            # Who consulted by name and the age identify the person: not offered to a worker
            # who may not see a restricted person's identity.
            and not (name in IDENTIFYING_FIELDS and not can_see_identity(user, consultation.person))
        ]
        fields = {name: intake.fields[name] for name in self.correctable}
        fields["received_at"].widget.attrs.pop("autofocus", None)
        self.fields = {**fields, **self.fields}
        if not self.is_bound:
            self.initial = {**self.initial_of(consultation), **self.initial}
        japanese_messages(self)

    def initial_of(self, consultation: Consultation) -> dict[str, Any]:
        initial = {name: getattr(consultation, name) for name in self.correctable}
        if "received_at" in initial:
            initial["received_at"] = timezone.localtime(consultation.received_at)
        return initial | {"version": consultation.version}

    def correction_data(self, consultation: Consultation) -> dict[str, Any]:
        """The content as typed; a time left as shown keeps its saved seconds."""
        data = {name: self.cleaned_data[name] for name in self.correctable}
        saved = consultation.received_at
        if data.get("received_at") == saved.replace(second=0, microsecond=0):
            data["received_at"] = saved
        return data
