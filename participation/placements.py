"""Placements (参加): a person of a case taking part in an offer, from the proposal to its end.

A placement is part of its case: the pages load the case (or the placement through its case's
organisation) before calling these services. The services keep the rules of the records: an
offer's places are counted in SQL under a row lock on the offer, so two workers proposing at
once cannot overfill it; the stages move forward only; an ended placement names its reason.
Every refusal is a ValidationError with a Japanese message constant.
"""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Case, Stage
from participation.models import (
    ACTIVE_STAGES,
    Offer,
    Placement,
    PlacementContact,
    PlacementStage,
)
from supporters.models import Dispatch
from tsunagu.versioning import versioned_edit

OFFER_FULL = "この受入メニューは定員（{places}人）に達しています（参加中 {taken}人）。"
OFFER_NOT_ACCEPTING = "この受入メニューはいま受付を止めています。受入先に確認してください。"
ALREADY_PLACED = "このケースはすでにこの受入メニューに参加・調整中です。"
CASE_CLOSED = "終結したケースには参加を提案できません。"
STALE_PLACEMENT = "ほかの人が先にこの参加を更新しました。最新の内容を確認してください。"
STAGE_BACKWARDS = "段階は先へ進めるだけです（いまは「{current}」）。"
ALREADY_ENDED = "この参加はすでに終了しています。"
END_WITHOUT_REASON = "終了の理由を選んでください。"
DATE_IN_FUTURE = "未来の日付は記録できません。"
DATE_BEFORE_PROPOSAL = "提案日（{proposed}）より前の日付です。"
DISPATCH_NOT_OF_CASE = "同行の派遣は、このケースの派遣の一覧から選んでください。"
CONTACT_IN_FUTURE = "未来の日付の経過は記録できません。"
FEEDBACK_FROM_PERSON = "受入先からの声は、相手を「受入先」にして記録してください。"

# The stages in the order a placement goes through them.
STAGE_ORDER = [
    PlacementStage.PROPOSED,
    PlacementStage.TOUR,
    PlacementStage.FIRST_VISIT,
    PlacementStage.CONTINUING,
    PlacementStage.ENDED,
]


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def taken_places_locked(offer: Offer) -> tuple[Offer, int]:
    """The offer locked for the rest of the transaction, and its places held now (in SQL)."""
    locked = Offer.objects.select_for_update().get(pk=offer.pk)
    taken = Placement.objects.filter(offer_id=locked.pk, stage__in=ACTIVE_STAGES).count()
    return locked, taken


def placement_propose(
    *,
    case: Case,
    offer: Offer,
    proposed_on: date | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Placement:
    """Propose the offer to the person of the case (提案). The offer must be one the worker sees
    (the page offers only those); a full offer is refused with its count."""
    if case.stage == Stage.CLOSED:
        raise ValidationError({"offer": CASE_CLOSED})
    day = proposed_on or timezone.localdate()
    if day > timezone.localdate():
        raise ValidationError({"proposed_on": DATE_IN_FUTURE})
    with transaction.atomic():
        # The lock serialises proposals at one offer: the second waits, then counts the first.
        locked, taken = taken_places_locked(offer)
        if not locked.is_active:
            raise ValidationError({"offer": OFFER_NOT_ACCEPTING})
        if Placement.objects.filter(
            case_id=case.pk, offer_id=locked.pk, stage__in=ACTIVE_STAGES
        ).exists():
            raise ValidationError({"offer": ALREADY_PLACED})
        if taken >= locked.places:
            raise ValidationError({"offer": OFFER_FULL.format(places=locked.places, taken=taken)})
        placement = Placement.objects.create(
            case=case, offer=locked, proposed_on=day, created_by=by
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=placement,
            fields=["case", "offer", "stage", "proposed_on"],
        )
    return placement


def dispatch_choices(case: Case) -> QuerySet[Dispatch]:
    """The dispatches that may be the accompanied first visit: the case's own, not cancelled."""
    return (
        Dispatch.objects.filter(case_id=case.pk, organisation_id=case.organisation_id)
        .exclude(state=Dispatch.State.CANCELLED)
        .select_related("supporter")
        .order_by("-starts_at", "-id")
    )


def next_stages(placement: Placement) -> list[PlacementStage]:
    """The stages a placement may move to: any later one (a tour may be skipped)."""
    if placement.stage == PlacementStage.ENDED:
        return []
    return STAGE_ORDER[STAGE_ORDER.index(PlacementStage(placement.stage)) + 1 :]


def _check_move(
    placement: Placement,
    stage: str,
    on: date,
    end_reason: str,
    dispatch: Dispatch | None,
) -> None:
    if placement.stage == PlacementStage.ENDED:
        raise ValidationError(ALREADY_ENDED)
    errors: dict[str, str] = {}
    if stage not in next_stages(placement):
        current = PlacementStage(placement.stage).label
        errors["stage"] = STAGE_BACKWARDS.format(current=current)
    if on > timezone.localdate():
        errors["on"] = DATE_IN_FUTURE
    elif on < placement.proposed_on:
        errors["on"] = DATE_BEFORE_PROPOSAL.format(proposed=placement.proposed_on)
    if stage == PlacementStage.ENDED and not end_reason:
        errors["end_reason"] = END_WITHOUT_REASON
    if dispatch is not None and not dispatch_choices(placement.case).filter(pk=dispatch.pk):
        errors["dispatch"] = DISPATCH_NOT_OF_CASE
    _refuse(errors)


def placement_move(
    *,
    placement: Placement,
    stage: str,
    on: date,
    version: int | None,
    by: User,
    end_reason: str = "",
    end_note: str = "",
    dispatch: Dispatch | None = None,
    request: HttpRequest | None = None,
) -> Placement:
    """Move a placement to a later stage on the day `on`. The first visit (初回（同行）) starts
    the placement and may name the dispatch that accompanied it; 終了 needs its reason."""
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Placement,
        pk=placement.pk,
        version=version,
        stale_message=STALE_PLACEMENT,
        audit=audit,
    ) as edit:
        record = edit.record
        _check_move(record, stage, on, end_reason, dispatch)
        changes: dict[str, Any] = {"stage": stage}
        starts = stage in (PlacementStage.FIRST_VISIT, PlacementStage.CONTINUING)
        if starts and record.started_on is None:
            changes["started_on"] = on
        if dispatch is not None:
            changes["accompanying_dispatch"] = dispatch
        if stage == PlacementStage.ENDED:
            changes |= {"ended_on": on, "end_reason": end_reason, "end_note": end_note.strip()}
        edit.change(changes)
    return edit.record


def contact_record(
    *,
    placement: Placement,
    data: dict[str, Any],
    by: User,
    request: HttpRequest | None = None,
) -> PlacementContact:
    """A follow-up contact with the person or the host; the host's feedback with the host's."""
    contacted_on: date = data["contacted_on"]
    feedback = (data.get("host_feedback") or "").strip()
    errors: dict[str, str] = {}
    if contacted_on > timezone.localdate():
        errors["contacted_on"] = CONTACT_IN_FUTURE
    elif contacted_on < placement.proposed_on:
        errors["contacted_on"] = DATE_BEFORE_PROPOSAL.format(proposed=placement.proposed_on)
    if feedback and data["with_whom"] != PlacementContact.WithWhom.HOST:
        errors["host_feedback"] = FEEDBACK_FROM_PERSON
    _refuse(errors)
    with transaction.atomic():
        contact = PlacementContact.objects.create(
            placement=placement,
            contacted_on=contacted_on,
            with_whom=data["with_whom"],
            notes=data["notes"].strip(),
            host_feedback=feedback,
            worker=by,
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=contact,
            fields=["contacted_on", "with_whom", "notes", *(["host_feedback"] if feedback else [])],
            detail={"placement": placement.pk},
        )
    return contact
