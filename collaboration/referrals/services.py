"""Referrals (つなぎ): writes, each atomic with its audit row, and their rules.

A referral is followed until the person is connected: it is created with a date to check on it
(today or later), moves only to a state that may follow the current one (`Referral.NEXT_STATES`),
and failing needs a reason. A closed case refers nobody: it is reopened first. The page, the JSON
API and the intake call these same functions and get the same refusal.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Case
from collaboration.models import Referral, ReferralEvent
from tsunagu.versioning import versioned_edit

REFERRAL_FOLLOW_UP_PAST = "確認する日は今日以降の日付にしてください。"
REFERRAL_FROM_CLOSED_CASE = "終結したケースです。再開してからつないでください。"
FAILED_WITHOUT_REASON = "不成立の理由を入力してください。"
STALE_REFERRAL = "ほかの人が先にこのつなぎを更新しました。"
STATE_CANNOT_FOLLOW = "「{current}」から「{wanted}」には変えられません。"


def follow_up_refusal(follow_up_on: date | None) -> str | None:
    """Why a referral's follow-up date is refused, if it is: it is followed up from today on."""
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        return REFERRAL_FOLLOW_UP_PAST
    return None


def referral_create(
    *,
    organisation_id: int,
    person_id: int,
    agency_id: int,
    purpose: str,
    follow_up_on: date,
    accompanied: bool = False,
    case: Case | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Referral:
    if case is not None and not case.is_open:
        raise ValidationError(REFERRAL_FROM_CLOSED_CASE)
    if refusal := follow_up_refusal(follow_up_on):
        raise ValidationError({"follow_up_on": refusal})
    with transaction.atomic():
        referral = Referral.objects.create(
            organisation_id=organisation_id,
            case=case,
            person_id=person_id,
            agency_id=agency_id,
            purpose=purpose,
            follow_up_on=follow_up_on,
            accompanied=accompanied,
            referred_by=by,
        )
        ReferralEvent.objects.create(referral=referral, state=referral.state, by=by)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=referral,
            fields=["person", "agency", "purpose"],
            detail={"case": case.pk if case else None},
        )
    return referral


def referral_set_state(
    *,
    referral: Referral,
    state: str,
    version: int,
    note: str = "",
    follow_up_on: date | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Referral:
    """Only a state that follows the current one (`Referral.NEXT_STATES`); failing needs a
    reason."""
    with versioned_edit(
        Referral,
        pk=referral.pk,
        version=version,
        stale_message=STALE_REFERRAL,
        audit=audit_update(actor=by, request=request),
    ) as edit:
        current = edit.record
        errors: dict[str, str] = {}
        if state not in Referral.NEXT_STATES[current.state]:
            errors["state"] = STATE_CANNOT_FOLLOW.format(
                current=current.get_state_display(), wanted=Referral.State(state).label
            )
        if state == Referral.State.FAILED and not note.strip():
            errors["note"] = FAILED_WITHOUT_REASON
        if errors:
            raise ValidationError(errors)
        edit.change({"state": state})
        if state == Referral.State.FAILED:
            edit.change({"failed_reason": note})
        if follow_up_on:
            edit.change({"follow_up_on": follow_up_on})
        ReferralEvent.objects.create(referral=current, state=state, note=note, by=by)
    return current
