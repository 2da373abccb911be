"""Recording a consultation: the person, the consultation and what follows it, atomically."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Case, Stage
from cases.services import case_open, referral_create
from consultations.models import Consultation, ConsultationDraft, Disposition
from people.models import Person
from people.services import person_create
from tsunagu.office_hours import is_out_of_hours


def consultation_record(
    *,
    organisation_id: int,
    data: dict[str, Any],
    person: Person | None = None,
    new_person: dict[str, Any] | None = None,
    household_id: int | None = None,
    agency_id: int | None = None,
    referral_purpose: str = "",
    referral_follow_up_on: date | None = None,
    draft: ConsultationDraft | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Consultation:
    """Record a consultation and carry out its disposition; nothing is saved if any part fails.

    - 自機関で継続支援: the person's open case continues, or a new case is opened.
    - 関係機関へつなぐ: a referral to the agency is created, to be followed up on its date.
    - 情報提供・助言のみ: the consultation is recorded; nothing else is opened.
    """
    disposition = data.get("disposition")
    if disposition not in Disposition.values:
        raise ValidationError(
            {"disposition": "対応（継続支援・つなぐ・情報提供）を選んでください。"}
        )
    if disposition == Disposition.REFER and not (agency_id and referral_follow_up_on):
        raise ValidationError(
            {"agency": "つなぎ先の機関と、つながったかを確認する日を入力してください。"}
        )
    with transaction.atomic():
        if person is None:
            person, _ = person_create(
                organisation_id=organisation_id, data=new_person or {}, by=by, request=request
            )
        consultation = Consultation(
            organisation_id=organisation_id, person=person, taken_by=by, **data
        )
        if consultation.age_at_contact is None:
            consultation.age_at_contact = person.age(
                timezone.localtime(consultation.received_at).date()
            )
        if consultation.main_concern not in consultation.categories:
            consultation.categories = [consultation.main_concern, *consultation.categories]
        consultation.is_out_of_hours = is_out_of_hours(consultation.received_at)
        if disposition == Disposition.CONTINUE:
            consultation.case = _continuing_case(
                organisation_id,
                person,
                household_id,
                timezone.localtime(consultation.received_at).date(),
                by,
                request,
            )
        elif disposition == Disposition.REFER:
            consultation.referral = referral_create(
                organisation_id=organisation_id,
                person_id=person.pk,
                agency_id=agency_id or 0,
                purpose=referral_purpose or "相談からのつなぎ",
                follow_up_on=referral_follow_up_on or timezone.localdate(),
                by=by,
                request=request,
            )
        consultation.save()
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=consultation,
            fields=[field for field, value in data.items() if value not in ("", None, [])],
            detail={"person": person.pk, "disposition": disposition},
        )
        if draft is not None:
            draft.delete()
    return consultation


def _continuing_case(
    organisation_id: int,
    person: Person,
    household_id: int | None,
    opened_on: date,
    by: User,
    request: HttpRequest | None,
) -> Case:
    existing = (
        Case.objects.filter(organisation_id=organisation_id, person=person)
        .exclude(stage=Stage.CLOSED)
        .order_by("-opened_on")
        .first()
    )
    if existing is not None:
        return existing
    return case_open(
        organisation_id=organisation_id,
        title=f"{_title_name(person)}さんの支援",
        lead_worker=by,
        person_id=person.pk,
        household_id=household_id,
        # A consultation entered after the call opens the case on the day of the call.
        opened_on=opened_on,
        by=by,
        request=request,
    )


def _title_name(person: Person) -> str:
    # Case titles are shown in lists to the whole office: never a restricted person's name.
    return person.restricted_label if person.is_restricted else str(person)
