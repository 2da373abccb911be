"""Intake (相談受付): the person, the consultation and what its disposition opens, atomically.

The rules of a consultation are here, for the intake page and the JSON API alike: a refusal is a
ValidationError naming the field (a `data` key or an argument; `agency` for `agency_id`).

This module is a layer of its own in the layer order (docs/ARCHITECTURE.md): a consultation is
read by cases and collaboration (the case page, the watch list, the shared view), yet recording
one opens a case (`cases.services.case_open`) or a referral
(`collaboration.referrals.services.referral_create`). So intake sits above both, with the
spreadsheet import (`consultations.importing`), and the consultation's model stays below them.
"""

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
from cases.services import case_open
from cases.titles import automatic_title
from collaboration.referrals.services import follow_up_refusal, referral_create
from consultations.models import Consultation, ConsultationDraft, ConsulterType, Disposition
from consultations.services import consultation_content_errors
from people.models import Person
from people.services import person_create
from tsunagu.office_hours import is_out_of_hours

DISPOSITION_REQUIRED = (
    "対応を選んでください（自機関で継続支援・関係機関へつなぐ・情報提供・助言のみ）。"
    "どの相談も、いずれかの対応で受け付けます。"
)
REFERRAL_AGENCY_MISSING = "つなぎ先の機関を選んでください。"
REFERRAL_PURPOSE_MISSING = "つなぐ目的を入力してください。"
REFERRAL_FOLLOW_UP_MISSING = (
    "つながったかを確認する日を入力してください（つないだままにしないために必要です）。"
)


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
    validate_consultation(
        data,
        person=person,
        agency_id=agency_id,
        referral_purpose=referral_purpose,
        referral_follow_up_on=referral_follow_up_on,
    )
    disposition = data["disposition"]
    data = dict(data)
    # Who consulted: a family member's relationship, an agency's name, never the other's.
    if data.get("consulter_type") != ConsulterType.FAMILY:
        data["consulter_relationship"] = ""
    if data.get("consulter_type") != ConsulterType.AGENCY:
        data["consulter_agency"] = None
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
                purpose=referral_purpose,
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


def validate_consultation(
    data: dict[str, Any],
    *,
    person: Person | None,
    agency_id: int | None,
    referral_purpose: str,
    referral_follow_up_on: date | None,
) -> None:
    """Every refusal at once: a disposition; not received in the future; the family member's
    relationship or the consulting agency; no age beside a known birth date; for a referral, the
    agency, its purpose and a follow-up date from today on."""
    errors = consultation_content_errors(data, person=person)
    disposition = data.get("disposition")
    if disposition not in Disposition.values:
        errors["disposition"] = DISPOSITION_REQUIRED
    if disposition == Disposition.REFER:
        if not agency_id:
            errors["agency"] = REFERRAL_AGENCY_MISSING
        if not referral_purpose.strip():
            errors["referral_purpose"] = REFERRAL_PURPOSE_MISSING
        if referral_follow_up_on is None:
            errors["referral_follow_up_on"] = REFERRAL_FOLLOW_UP_MISSING
        elif refusal := follow_up_refusal(referral_follow_up_on):
            errors["referral_follow_up_on"] = refusal
    if errors:
        raise ValidationError(errors)


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
        title=automatic_title(person),
        lead_worker=by,
        person_id=person.pk,
        household_id=household_id,
        # A consultation entered after the call opens the case on the day of the call.
        opened_on=opened_on,
        by=by,
        request=request,
    )
