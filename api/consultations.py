"""Consultations (相談受付) in the JSON API: the day's list, one consultation, and recording one.

The same access functions and service as the intake page: `consultation_record` saves the person,
the consultation and what its disposition opens, or nothing at all.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.params import P, QueryEx

from accounts.access import (
    can_see_identity,
    get_for_user,
    list_for_user,
    own_organisation_id,
    require_right,
)
from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    AgencyRef,
    FormErrors,
    StaffRef,
    age_in_range,
    agency_ref,
    auth_user,
    cleaned,
    directory,
    editor,
    form_errors,
    household_to_edit,
    japanese,
    limit_choices,
    person_to_edit,
    refuse,
    service_refusals,
    staff_ref,
    unprocessable,
)
from api.people import PersonIn, PersonOut, person_out
from api.schemas import ErrorOut
from collaboration.models import Agency
from consultations.forms import ConsultationForm as IntakeForm
from consultations.models import Category, Consultation, Disposition
from consultations.services import consultation_record
from consultations.views import DETAIL_FIELDS
from people.forms import JapaneseDateField, PersonForm
from people.models import Person
from people.validation import parse_date_input

router = Router(tags=TAGS)


class NewPersonIn(Schema):
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    alias: str = ""
    birth_date: str = ""
    estimated_age: int | None = None
    sex: str = "unknown"


class ConsultationIn(Schema):
    received_at: str = ""
    channel: str = ""
    consulter_type: str = ""
    consulter_relationship: str = ""
    consulter_agency_id: int | None = None
    consulter_name: str = ""
    person_id: int | None = None
    new_person: NewPersonIn | None = None
    household_id: int | None = None
    age_at_contact: int | None = None
    categories: list[str] = []
    main_concern: str = ""
    content: str = ""
    urgency: str = "normal"
    disposition: str = ""
    agency_id: int | None = None
    referral_purpose: str = ""
    referral_follow_up_on: str = ""


class ConsultationOut(Schema):
    id: int
    received_at: datetime
    channel: str
    channel_label: str
    consulter_type: str
    consulter_type_label: str
    consulter_relationship: str
    consulter_agency: AgencyRef | None
    consulter_name: str | None
    person: PersonOut
    age_at_contact: int | None
    categories: list[str]
    category_labels: list[str]
    main_concern: str
    main_concern_label: str
    content: str
    urgency: str
    urgency_label: str
    disposition: str
    disposition_label: str
    case_id: int | None
    referral_id: int | None
    is_out_of_hours: bool
    taken_by: StaffRef


class ConsultationForm(forms.ModelForm[Consultation]):
    """The consultation's own fields as JSON: agencies by id, the person apart (`person_id` or
    `new_person`). The intake page's form takes them as one page's fields instead, and also
    requires a family member's relationship and a referral's purpose."""

    received_at = forms.DateTimeField(label="受付日時", required=False)
    categories = forms.MultipleChoiceField(
        label="相談内容", choices=Category.choices, required=False
    )
    consulter_agency_id = forms.ModelChoiceField(
        label="相談してきた機関", queryset=Agency.objects.none(), required=False
    )
    agency_id = forms.ModelChoiceField(
        label="つなぎ先の機関", queryset=Agency.objects.none(), required=False
    )
    referral_purpose = forms.CharField(label="つなぐ目的", max_length=300, required=False)
    referral_follow_up_on = JapaneseDateField(label="つながったかを確認する日", required=False)

    class Meta:
        model = Consultation
        # The intake page's fields; the consulting agency comes as `consulter_agency_id`.
        fields = [name for name in IntakeForm.CONSULTATION_FIELDS if name != "consulter_agency"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "consulter_agency_id", agencies)
        limit_choices(self, "agency_id", agencies)
        japanese(self, {"disposition": "対応（継続支援・つなぐ・情報提供）を選んでください。"})

    def clean_received_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError("未来の日時は記録できません。")
        return value

    def clean_age_at_contact(self) -> int | None:
        return age_in_range(self.cleaned_data.get("age_at_contact"), "相談時の年齢")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("disposition") == Disposition.REFER:
            if not cleaned.get("agency_id") and "agency_id" not in self.errors:
                self.add_error("agency_id", "つなぎ先の機関を選んでください。")
            if not cleaned.get("referral_follow_up_on") and "referral_follow_up_on" not in (
                self.errors
            ):
                self.add_error(
                    "referral_follow_up_on", "つながったかを確認する日を入力してください。"
                )
        return cleaned


def consultation_out(consultation: Consultation, user: User) -> ConsultationOut:
    person = consultation.person
    identity = can_see_identity(user, person)
    agency = consultation.consulter_agency
    return ConsultationOut(
        id=consultation.pk,
        received_at=consultation.received_at,
        channel=consultation.channel,
        channel_label=consultation.get_channel_display(),
        consulter_type=consultation.consulter_type,
        consulter_type_label=consultation.get_consulter_type_display(),
        consulter_relationship=consultation.consulter_relationship,
        consulter_agency=agency_ref(agency) if agency else None,
        # A family member's name would identify a restricted person.
        consulter_name=consultation.consulter_name if identity else None,
        person=person_out(person, user),
        age_at_contact=consultation.age_at_contact,
        categories=list(consultation.categories),
        category_labels=consultation.category_labels(),
        main_concern=consultation.main_concern,
        main_concern_label=consultation.get_main_concern_display(),
        content=consultation.content,
        urgency=consultation.urgency,
        urgency_label=consultation.get_urgency_display(),
        disposition=consultation.disposition,
        disposition_label=consultation.get_disposition_display(),
        case_id=consultation.case_id,
        referral_id=consultation.referral_id,
        is_out_of_hours=consultation.is_out_of_hours,
        taken_by=staff_ref(consultation.taken_by),
    )


def _consultations() -> QuerySet[Consultation]:
    return Consultation.objects.select_related(
        "person", "consulter_agency", "taken_by"
    ).prefetch_related("person__team")


@router.get(
    "/consultations",
    response={200: list[ConsultationOut], 403: ErrorOut, 422: FormErrors},
    summary="1日の相談受付の一覧（所属機関）",
)
def consultations_list(
    request: HttpRequest, day: QueryEx[str, P(alias="date")] = ""
) -> Status[Any]:
    """`?date=2026-04-01`（和暦も可）。省略すると今日。新しい順。"""
    user = auth_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    try:
        on = parse_date_input(day[:30]) if day.strip() else timezone.localdate()
    except ValidationError as error:
        raise unprocessable({"date": list(error.messages)}) from error
    consultations = list_for_user(
        user,
        _consultations().filter(received_at__date=on),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
    )
    return Status(200, [consultation_out(c, user) for c in consultations])


@router.post(
    "/consultations",
    response={201: ConsultationOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="相談受付の記録（対応: 継続支援・つなぐ・情報提供）",
)
def consultations_create(request: HttpRequest, payload: ConsultationIn) -> Status[Any]:
    """対象の人は `person_id` か `new_person`（新しく登録）で示します。`disposition` は必須です。

    - `continue`（自機関で継続支援）: その人の進行中のケースに記録し、なければケースを開きます。
    - `refer`（関係機関へつなぐ）: `agency_id` と `referral_follow_up_on` が必須です。
    - `information`（情報提供・助言のみ）: 相談だけを記録します。

    どこかで失敗すると何も保存しません。
    """
    user = editor(request)
    organisation_id = own_organisation_id(user)
    form = ConsultationForm(
        payload.dict(exclude={"person_id", "new_person", "household_id"}),
        agencies=directory(user),
    )
    errors = form_errors(form)
    new_person: dict[str, Any] | None = None
    if payload.person_id is not None and payload.new_person is not None:
        errors["person_id"] = [
            "登録済みの人（person_id）か新しい人（new_person）のどちらか一方を送ってください。"
        ]
    elif payload.new_person is not None:
        person_form = PersonForm(
            PersonIn(**payload.new_person.dict()).dict(exclude={"confirmed_new"})
        )
        if person_form.is_valid():
            new_person = {f: person_form.cleaned_data[f] for f in PersonForm.Meta.fields}
        else:
            errors.update(form_errors(person_form, prefix="new_person"))
    elif payload.person_id is None:
        errors["person_id"] = ["相談の対象となる人を選ぶか、新しく登録してください。"]
    refuse(errors)
    person = _existing_person(user, payload.person_id, request)
    household_id = None
    if payload.household_id is not None:
        household_id = household_to_edit(user, payload.household_id, request).pk
    data = cleaned(form, ConsultationForm.Meta.fields)
    data["consulter_agency"] = form.cleaned_data["consulter_agency_id"]
    agency: Agency | None = form.cleaned_data["agency_id"]
    with service_refusals({"agency": "agency_id"}):
        consultation = consultation_record(
            organisation_id=organisation_id,
            data=data,
            person=person,
            new_person=new_person,
            household_id=household_id,
            agency_id=agency.pk if agency else None,
            referral_purpose=form.cleaned_data["referral_purpose"],
            referral_follow_up_on=form.cleaned_data["referral_follow_up_on"],
            by=user,
            request=request,
        )
    return Status(201, consultation_out(consultation, user))


def _existing_person(user: User, person_id: int | None, request: HttpRequest) -> Person | None:
    """The registered person the consultation is about (404 outside the user's scope)."""
    if person_id is None:
        return None
    # Not only current persons: a merged one is refused with the record to choose instead.
    person = person_to_edit(user, Person.objects.prefetch_related("team"), person_id, request)
    if person.merged_into_id is not None:
        raise unprocessable(
            {
                "person_id": [
                    f"統合済みの記録です。統合先の記録（#{person.merged_into_id}）を選んでください。"
                ]
            }
        )
    return person


@router.get(
    "/consultations/{consultation_id}",
    response={200: ConsultationOut, 403: ErrorOut, 404: ErrorOut},
    summary="相談受付1件",
)
def consultations_read(request: HttpRequest, consultation_id: int) -> ConsultationOut:
    user = auth_user(request)
    consultation = get_for_user(
        user,
        _consultations(),
        consultation_id,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
    )
    return consultation_out(consultation, user)
