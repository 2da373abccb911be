"""Referrals (つなぎ): writes, each atomic with its audit row, and their rules.

A referral is followed until the person is connected: it is created with a date to check on it
(today or later), moves only to a state that may follow the current one (`Referral.NEXT_STATES`),
and failing needs a reason. A closed case refers nobody: it is reopened first. The page, the JSON
API and the intake call these same functions and get the same refusal.

Two organisations move a referral: the one that made it (any state that may follow), and the one
it was made to, when its directory entry names an organisation using tsunagu — the receiver
accepts it (受入), declines it with a reason (不成立, the history saying the receiver declined) or
records the first meeting (つながった, with its date): `RECEIVER_STATES`. Who may move which is
`states_for` alone; every move goes through `_move`, and its history row through `_record_event`.
"""

from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import ROLE_RIGHTS, Right
from audit.models import AuditEvent
from audit.services import audit_record, audit_update, keep_previous_version
from cases.models import Case
from collaboration.models import Referral, ReferralEvent
from notifications.models import Notification
from notifications.services import notify
from people.models import HouseholdMembership, Person
from tsunagu.dates import wareki
from tsunagu.versioning import VersionedEdit, versioned_edit

REFERRAL_FOLLOW_UP_PAST = "確認する日は今日以降の日付にしてください。"
REFERRAL_FROM_CLOSED_CASE = "終結したケースです。再開してからつないでください。"
FAILED_WITHOUT_REASON = "不成立の理由を入力してください。"
STALE_REFERRAL = "ほかの人が先にこのつなぎを更新しました。"
STATE_CANNOT_FOLLOW = "「{current}」から「{wanted}」には変えられません。"
NOT_A_PARTY = "このつなぎを動かせるのは、つないだ機関とつなぎ先の機関だけです。"
RECEIVER_CANNOT_MOVE = "つなぎ先の機関が記録できるのは、受入・お断り・初回面談だけです。"
DECLINE_WITHOUT_REASON = "お断りする理由を入力してください。"
MEETING_DATE_MISSING = "初回面談の日を入力してください。"
MEETING_IN_FUTURE = "初回面談の日は今日までの日付にしてください。"
MEETING_BEFORE_REFERRAL = "初回面談の日は、つないだ日（{referred_on}）以降の日付にしてください。"
# The history row of a decline starts with this, so both sides read who ended the referral.
DECLINED_NOTE = "つなぎ先がお断りしました"

# What the organisation a referral was made to may record.
RECEIVER_STATES: tuple[str, ...] = (
    Referral.State.ACCEPTED,
    Referral.State.CONNECTED,
    Referral.State.FAILED,
)


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
        _record_event(referral, state=referral.state, by=by)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=referral,
            fields=["person", "agency", "purpose"],
            detail={"case": case.pk if case else None},
        )
    return referral


def sender_of(referral: Referral, user: User) -> bool:
    return user.organisation_id is not None and referral.organisation_id == user.organisation_id


def receiver_of(referral: Referral, user: User) -> bool:
    receiving = referral.agency.organisation_id
    return user.organisation_id is not None and receiving == user.organisation_id


def states_for(referral: Referral, user: User) -> tuple[str, ...]:
    """The states `user` may move the referral to now: any that may follow for its sender; for
    the organisation it was made to, only accepting, declining and the first meeting."""
    following = Referral.NEXT_STATES[referral.state]
    if sender_of(referral, user):
        return following
    if receiver_of(referral, user):
        return tuple(state for state in following if state in RECEIVER_STATES)
    return ()


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
    """The sender's change of state: only one that follows the current one
    (`Referral.NEXT_STATES`); failing needs a reason."""
    with _editing(referral, version, by, request) as edit:
        errors: dict[str, str] = {}
        if state == Referral.State.FAILED and not note.strip():
            errors["note"] = FAILED_WITHOUT_REASON
        changes: dict[str, object] = {}
        if state == Referral.State.FAILED:
            changes["failed_reason"] = note
        if follow_up_on:
            changes["follow_up_on"] = follow_up_on
        _move(edit, state=state, by=by, note=note, changes=changes, errors=errors)
    return edit.record


def referral_accept(
    *, referral: Referral, version: int, by: User, request: HttpRequest | None = None
) -> Referral:
    """The receiver accepts the referral (受入): the case then opens to it on the shared pages."""
    with _editing(referral, version, by, request) as edit:
        _move(edit, state=Referral.State.ACCEPTED, by=by)
    return edit.record


def referral_decline(
    *,
    referral: Referral,
    version: int,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> Referral:
    """The receiver declines the referral (不成立), with the reason the sender reads."""
    with _editing(referral, version, by, request) as edit:
        reason = reason.strip()
        errors = {} if reason else {"reason": DECLINE_WITHOUT_REASON}
        _move(
            edit,
            state=Referral.State.FAILED,
            by=by,
            note=f"{DECLINED_NOTE}: {reason}",
            changes={"failed_reason": reason},
            errors=errors,
        )
    return edit.record


def referral_connected(
    *,
    referral: Referral,
    version: int,
    met_on: date | None,
    by: User,
    request: HttpRequest | None = None,
) -> Referral:
    """The receiver records the first meeting with the person (つながった) and its date."""
    with _editing(referral, version, by, request) as edit:
        errors: dict[str, str] = {}
        if refusal := meeting_date_refusal(edit.record, met_on):
            errors["met_on"] = refusal
        _move(
            edit,
            state=Referral.State.CONNECTED,
            by=by,
            note=f"初回面談 {wareki(met_on)}" if met_on else "",
            changes={"connected_on": met_on},
            errors=errors,
        )
    return edit.record


def meeting_date_refusal(referral: Referral, met_on: date | None) -> str | None:
    """Why the date of a first meeting is refused, if it is: from the referral to today."""
    if met_on is None:
        return MEETING_DATE_MISSING
    if met_on > timezone.localdate():
        return MEETING_IN_FUTURE
    if met_on < referral.referred_on:
        return MEETING_BEFORE_REFERRAL.format(referred_on=wareki(referral.referred_on))
    return None


def _editing(
    referral: Referral, version: int, by: User, request: HttpRequest | None
) -> AbstractContextManager[VersionedEdit[Referral]]:
    return versioned_edit(
        Referral,
        pk=referral.pk,
        version=version,
        stale_message=STALE_REFERRAL,
        audit=audit_update(actor=by, request=request),
    )


def _move(
    edit: VersionedEdit[Referral],
    *,
    state: str,
    by: User,
    note: str = "",
    changes: dict[str, object] | None = None,
    errors: dict[str, str] | None = None,
) -> None:
    """Move the locked referral to `state` for `by`, after the one rule of who may move which
    (`states_for`); refused with every error at once, nothing changed."""
    current = edit.record
    errors = dict(errors or {})
    allowed = states_for(current, by)
    if not sender_of(current, by) and not receiver_of(current, by):
        raise ValidationError(NOT_A_PARTY)
    if state not in Referral.NEXT_STATES[current.state]:
        errors["state"] = STATE_CANNOT_FOLLOW.format(
            current=current.get_state_display(), wanted=Referral.State(state).label
        )
    elif state not in allowed:
        errors["state"] = RECEIVER_CANNOT_MOVE
    if errors:
        raise ValidationError(errors)
    edit.change({"state": state})
    if changes:
        edit.change(changes)
    _record_event(current, state=state, note=note, by=by)


def _record_event(referral: Referral, *, state: str, by: User, note: str = "") -> ReferralEvent:
    """The history row of a referral's change (both sides read it). Every change of a referral
    passes here, so this is where the other side is told of it, in the same transaction."""
    event = ReferralEvent.objects.create(referral=referral, state=state, note=note, by=by)
    _tell_the_other_side(referral, state=state, by=by)
    return event


def _tell_the_other_side(referral: Referral, *, state: str, by: User) -> None:
    """A new referral reaches the receiving organisation's workers; the receiver's answer
    (受入・お断り・初回面談) reaches the worker who referred. The messages name the referral by
    number and the organisations, never the person (notifications/models.py)."""
    receiving = referral.agency.organisation_id
    if receiving is None:
        return  # an agency without tsunagu: the 紹介状 goes on paper
    state_label = Referral.State(state).label
    if state == Referral.State.PROPOSED and by.organisation_id == referral.organisation_id:
        notify(
            recipients=workers_of(receiving),
            kind=Notification.Kind.REFERRAL_INCOMING,
            message=f"{referral.organisation}からつなぎ #{referral.pk} が届きました。",
            url=reverse("referral_incoming_detail", args=[referral.pk]),
            actor=by,
        )
    elif by.organisation_id == receiving:
        notify(
            recipients=[referral.referred_by],
            kind=Notification.Kind.REFERRAL_ANSWERED,
            message=(
                f"つなぎ #{referral.pk} に{referral.agency}から返事がありました（{state_label}）。"
            ),
            url=reverse("referral_detail", args=[referral.pk]),
            actor=by,
        )


def workers_of(organisation_id: int) -> QuerySet[User]:
    """The active staff of an organisation who may see personal data (those who answer)."""
    roles = [role for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights]
    return User.objects.filter(
        organisation_id=organisation_id, is_active=True, staff_roles__role__in=roles
    ).distinct()


# --- correcting a referral (訂正) -------------------------------------------------------------

# What the sender may correct; the state has its own history (`_move`), never corrected here.
CORRECTABLE_FIELDS = ("purpose", "follow_up_on", "accompanied", "person")
STALE_REFERRAL_CORRECTION = "ほかの人が先にこのつなぎを訂正（または更新）しました。"
NOT_THE_SENDER = "つなぎを訂正できるのは、つないだ機関の職員だけです。"
PERSON_NOT_OF_THE_HOUSEHOLD = (
    "つなぐ人は、ケースの本人か、ケースの世帯に今いる人から選んでください。"
)
PURPOSE_REQUIRED = "つなぐ目的を入力してください。"


def referral_people(referral: Referral) -> set[int]:
    """Whom a referral may be made for, as on creation: the case's person and the current members
    of its household (a referral without a case: its own person only)."""
    people = {referral.person_id}
    case = referral.case
    if case is None:
        return people
    if case.person_id is not None:
        people.add(case.person_id)
    if case.household_id is not None:
        today = timezone.localdate()
        members = HouseholdMembership.objects.filter(household_id=case.household_id).filter(
            Q(left_on__isnull=True) | Q(left_on__gte=today)
        )
        people.update(members.values_list("person_id", flat=True))
    return people


def referral_correct(
    *,
    referral: Referral,
    data: dict[str, Any],
    version: int,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> Referral:
    """Correct a referral (訂正) with a reason; the previous version is kept and shown.

    Only its sender's organisation corrects it, and only what it wrote (`CORRECTABLE_FIELDS`):
    the purpose, the follow-up date (a changed one, from today on, as on creation), 同行する and
    the person (another of the case's household, as on creation). The state is not corrected:
    its changes are the history both sides read.
    """
    keep = keep_previous_version(by=by, reason=reason)
    unknown = sorted(set(data) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise ValidationError(REFERRAL_NOT_CORRECTABLE.format(fields="、".join(unknown)))
    if not sender_of(referral, by):
        raise ValidationError(NOT_THE_SENDER)
    errors: dict[str, str] = {}
    if "purpose" in data and not str(data["purpose"]).strip():
        errors["purpose"] = PURPOSE_REQUIRED
    if "person" in data and _pk(data["person"]) not in referral_people(referral):
        errors["person"] = PERSON_NOT_OF_THE_HOUSEHOLD
    if errors:
        raise ValidationError(errors)
    if "person" in data:
        data = {**data, "person": Person.objects.get(pk=_pk(data["person"]))}
    with versioned_edit(
        Referral.objects.filter(organisation_id=referral.organisation_id),
        pk=referral.pk,
        version=version,
        stale_message=STALE_REFERRAL_CORRECTION,
        audit=audit_update(actor=by, request=request, detail={"case": referral.case_id}),
        keep=keep,
    ) as edit:
        changed = edit.change(data)
        # A follow-up date left as it was stays, even when it has passed (the list shows it).
        if "follow_up_on" in changed and (refusal := follow_up_refusal(edit.record.follow_up_on)):
            raise ValidationError({"follow_up_on": refusal})
    return edit.record


REFERRAL_NOT_CORRECTABLE = "つなぎの訂正では次の項目は直せません: {fields}"


def _pk(value: Any) -> Any:
    return getattr(value, "pk", value)
