"""Consultations (相談受付) in the JSON API: the day's list, one consultation, and recording one.

The same access functions and service as the intake page: `consultation_record` saves the person,
the consultation and what its disposition opens, or nothing at all.
"""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.params import P, QueryEx

from accounts.access import get_for_user, own_organisation_id, page_for_user, require_right
from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    AgencyRef,
    FormErrors,
    StaffRef,
    agency_ref,
    auth_user,
    editor,
    form_errors,
    household_to_edit,
    limit_choices,
    refuse,
    service_refusals,
    staff_ref,
    unprocessable,
    without,
)
from api.paging import PageIn, PageOut, Paging, paging_errors
from api.people import PersonIn, PersonOut, person_out
from api.schemas import ErrorOut
from collaboration.directory.services import directory_for
from collaboration.models import Agency
from consultations.forms import ConsultationForm as IntakeForm
from consultations.intake import consultation_record
from consultations.models import Consultation
from consultations.views import DETAIL_FIELDS
from people.access import IDENTITY_FIELDS, can_see_identity, person_for_edit
from people.forms import PersonForm
from people.models import Person
from tsunagu.validation import parse_date_input

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


# The body's names of the intake page's fields; `consultation_record` names the referral's
# agency `agency`.
BODY_NAMES = {"consulter_agency": "consulter_agency_id", "referral_agency": "agency_id"}
SERVICE_NAMES = {**BODY_NAMES, "agency": "agency_id"}


def intake_form(payload: ConsultationIn, user: User) -> IntakeForm:
    """The intake page's form without its ways of choosing the person (the body has
    `person_id` or `new_person`); the agencies by id from the directory. The time received
    defaults to now."""
    data: dict[str, Any] = payload.dict(exclude={"person_id", "new_person", "household_id"})
    for field, body_name in BODY_NAMES.items():
        data[field] = data.pop(body_name)
    form = without(IntakeForm(data, user=user), *IntakeForm.PERSON_FIELDS)
    form.fields["received_at"].required = False
    limit_choices(form, "consulter_agency", directory_for(user))
    limit_choices(form, "referral_agency", directory_for(user))
    return form


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


class ConsultationPage(PageOut):
    items: list[ConsultationOut]


@router.get(
    "/consultations",
    response={200: ConsultationPage, 403: ErrorOut, 422: FormErrors},
    summary="1日の相談受付の一覧（所属機関、新しい順、ページ送り）",
)
def consultations_list(
    request: HttpRequest, page: Query[PageIn], day: QueryEx[str, P(alias="date")] = ""
) -> ConsultationPage:
    """`?date=2026-04-01`（和暦も可）。省略すると今日。新しい順。"""
    user = auth_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    errors = paging_errors(page)
    try:
        on = parse_date_input(day[:30]) if day.strip() else timezone.localdate()
    except ValidationError as error:
        errors["date"] = list(error.messages)
    refuse(errors)
    paged = Paging(offset=page.offset, limit=page.limit)
    consultations, count = page_for_user(
        user,
        _consultations().filter(received_at__date=on).order_by("-received_at", "-id"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
        offset=paged.offset,
        limit=paged.limit,
    )
    items = [consultation_out(c, user) for c in consultations]
    return ConsultationPage(**paged.envelope(count, items))


@router.post(
    "/consultations",
    response={201: ConsultationOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="相談受付の記録（対応: 継続支援・つなぐ・情報提供）",
)
def consultations_create(request: HttpRequest, payload: ConsultationIn) -> Status[Any]:
    """対象の人は `person_id` か `new_person`（新しく登録）で示します。`disposition` は必須です。

    - `continue`（自機関で継続支援）: その人の進行中のケースに記録し、なければケースを開きます。
    - `refer`（関係機関へつなぐ）: `agency_id`・`referral_purpose`・`referral_follow_up_on`
      （今日以降）が必須です。
    - `information`（情報提供・助言のみ）: 相談だけを記録します。

    どこかで失敗すると何も保存しません。
    """
    user = editor(request)
    organisation_id = own_organisation_id(user)
    form = intake_form(payload, user)
    errors = form_errors(form, names=BODY_NAMES)
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
    person = _existing_person(request, payload.person_id)
    household_id = None
    if payload.household_id is not None:
        household_id = household_to_edit(user, payload.household_id, request).pk
    data = {name: form.cleaned_data[name] for name in IntakeForm.CONSULTATION_FIELDS}
    if data["received_at"] is None:
        data["received_at"] = timezone.now()
    agency: Agency | None = form.cleaned_data["referral_agency"]
    with service_refusals(SERVICE_NAMES):
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


def _existing_person(request: HttpRequest, person_id: int | None) -> Person | None:
    """The registered person the consultation is about (404 outside the user's scope)."""
    if person_id is None:
        return None
    # Not only current persons: a merged one is refused with the record to choose instead.
    person = person_for_edit(request, person_id, fields=IDENTITY_FIELDS)
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
