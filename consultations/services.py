"""Writes to a recorded consultation: the correction (訂正) of its content, with a reason.

Recording a consultation opens a case or a referral, so it lives in the intake layer above
(`consultations.intake`); a correction changes only the consultation itself, so it lives here,
below cases. The rules on a consultation's content are here too, for intake and correction alike.

What a correction may change: when and how the consultation came in, who consulted, the age at
contact, the categories, the content and the urgency (`CORRECTABLE_FIELDS`). Not the person, nor
the disposition and what it opened (a case, a referral): those are records of their own, changed
on their own pages (docs/corrections.md).
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.services import audit_update, keep_previous_version
from consultations.models import Consultation, ConsulterType
from people.models import Person
from tsunagu.office_hours import is_out_of_hours
from tsunagu.versioning import VersionedEdit, versioned_edit

# A clock a few minutes fast on the worker's PC is not a consultation from the future.
FUTURE_TOLERANCE = timedelta(minutes=5)
RECEIVED_IN_FUTURE = "受付日時が未来になっています。日付と時刻を確認してください。"
FAMILY_WITHOUT_RELATIONSHIP = "家族からの相談では続柄を選んでください。"
AGENCY_CONSULTER_MISSING = "関係機関からの相談では、相談してきた機関を選んでください。"
AGE_BESIDE_BIRTH_DATE = (
    "生年月日が登録されているので、年齢は自動で計算します。年齢の欄は空にしてください。"
)
STALE_CONSULTATION = (
    "ほかの人が先にこの相談を訂正しました。"
    "保存されている内容とあなたの入力を確かめてから、もう一度保存してください。"
)
NOT_CORRECTABLE = (
    "訂正できない項目です（{fields}）。相談の対象となる人と対応（それで開いたケース・つなぎ）は"
    "訂正では変わりません。"
)
CORRECTABLE_FIELDS = (
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
)


def consultation_content_errors(
    data: Mapping[str, Any], *, person: Person | None
) -> dict[str, str]:
    """The refusals of a consultation's content, by field: not received in the future; the
    family member's relationship or the consulting agency; no age beside a known birth date."""
    errors: dict[str, str] = {}
    received_at = data.get("received_at")
    if received_at is not None and received_at > timezone.now() + FUTURE_TOLERANCE:
        errors["received_at"] = RECEIVED_IN_FUTURE
    consulter_type = data.get("consulter_type")
    if consulter_type == ConsulterType.FAMILY and not data.get("consulter_relationship"):
        errors["consulter_relationship"] = FAMILY_WITHOUT_RELATIONSHIP
    if consulter_type == ConsulterType.AGENCY and data.get("consulter_agency") is None:
        errors["consulter_agency"] = AGENCY_CONSULTER_MISSING
    if person is not None and person.birth_date and data.get("age_at_contact") is not None:
        errors["age_at_contact"] = AGE_BESIDE_BIRTH_DATE
    return errors


def consultation_correct(
    *,
    consultation: Consultation,
    data: dict[str, Any],
    version: int,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> Consultation:
    """Correct a recorded consultation (訂正) with a reason; the previous version is kept.

    `data` holds the fields to correct (any of CORRECTABLE_FIELDS); the others stay. What follows
    from them follows as at intake: the age from a known birth date on the corrected day, the main
    concern among the categories, who consulted (a relationship only for family, an agency only
    for an agency), the out-of-hours mark.
    """
    keep = keep_previous_version(by=by, reason=reason)
    unknown = sorted(set(data) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise ValidationError(NOT_CORRECTABLE.format(fields="、".join(unknown)))
    person = consultation.person
    # The rules over the whole corrected content; the age only as typed (a computed one stays).
    merged = {name: getattr(consultation, name) for name in CORRECTABLE_FIELDS} | data
    merged["age_at_contact"] = data.get("age_at_contact")
    errors = consultation_content_errors(merged, person=person)
    if errors:
        raise ValidationError(errors)
    with (
        transaction.atomic(),
        versioned_edit(
            Consultation,
            pk=consultation.pk,
            version=version,
            stale_message=STALE_CONSULTATION,
            audit=audit_update(actor=by, request=request, detail={"person": person.pk}),
            keep=keep,
        ) as edit,
    ):
        edit.change(data)
        _follow_from_content(edit, person)
    return edit.record


def _follow_from_content(edit: VersionedEdit[Consultation], person: Person) -> None:
    record = edit.record
    if record.consulter_type != ConsulterType.FAMILY:
        edit.change({"consulter_relationship": ""})
    if record.consulter_type != ConsulterType.AGENCY:
        edit.change({"consulter_agency": None})
    if record.main_concern not in record.categories:
        edit.change({"categories": [record.main_concern, *record.categories]})
    day = timezone.localtime(record.received_at).date()
    if person.birth_date or record.age_at_contact is None:
        edit.change({"age_at_contact": person.age(day)})
    edit.also({"is_out_of_hours": is_out_of_hours(record.received_at)})
