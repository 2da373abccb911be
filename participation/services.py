"""Writes to the host registry (受入先), its development history and its offers (受入メニュー),
each atomic with its audit row.

Who may write is checked by the pages (`participation.access`); the services keep the rules of
the records themselves. A refusal is a ValidationError naming the field with its Japanese
message, shown by the pages through `tsunagu.forms.show_refusal`.
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import own_organisation_id
from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from participation.models import (
    ACTIVE_STAGES,
    DevelopmentVisit,
    Host,
    HostSuggestion,
    Offer,
    SiteTour,
    prefecture_id_of,
)
from supporters.models import Weekday
from tsunagu.versioning import versioned_edit

STALE_HOST = "ほかの人が先にこの受入先を更新しました。最新の内容を確認してください。"
STALE_OFFER = "ほかの人が先にこの受入メニューを更新しました。最新の内容を確認してください。"
VISIT_IN_FUTURE = "訪問日が未来の日付です。訪問した日を入力してください。"
NEXT_STEP_BEFORE_VISIT = "次にする日は訪問日より後にしてください。"
NEXT_STEP_DATE_WITHOUT_STEP = "次にする日を入れたときは、次にすることも入力してください。"
ATTENDEE_NOT_AVAILABLE = "参加した職員は一覧にある県内の職員から選んでください。"
OWNER_EDITS_DIRECTLY = "自分の機関の受入先は、提案せずに直接編集してください。"
NOTHING_SUGGESTED = "今の内容と違う項目がありません。変えたい項目を直してから提案してください。"
FIELD_NOT_SUGGESTABLE = "この項目は提案できません: {fields}"
SUGGESTION_DECIDED = "この提案はすでに判断されています（{state}）。"
DECLINE_WITHOUT_REASON = "見送る理由を入力してください。提案した職員に伝わります。"
WEEKDAY_UNKNOWN = "曜日は一覧から選んでください。"
PLACES_BELOW_TAKEN = "定員を{taken}人より少なくはできません（いま{taken}人が参加・調整中です）。"
FIRST_TIME_RANGE = "初回の時間は10〜480分の間で入力してください。"
HOURS_RANGE = "週あたりの最低時間は0.5〜40時間の間で入力してください。"

# What another organisation may propose: the host's own facts, not whether the owner shares it.
SUGGESTABLE_FIELDS = tuple(name for name in Host.EDITABLE_FIELDS if name != "shared_in_prefecture")
# What a development visit and a site tour hold as the worker enters them.
VISIT_FIELDS = ("visited_on", "notes", "next_step", "next_step_on")


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def _values(data: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {name: data[name] for name in names if name in data}


# ---- hosts ----


def host_create(*, data: dict[str, Any], by: User, request: HttpRequest | None = None) -> Host:
    """Register a host developed by the worker's organisation (a municipal window's own local
    host stays unshared unless the worker shares it)."""
    values = _values(data, Host.EDITABLE_FIELDS)
    with transaction.atomic():
        host = Host.objects.create(owner_id=own_organisation_id(by), created_by=by, **values)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=host,
            fields=["owner", *(name for name, value in values.items() if value)],
        )
    return host


def host_edit(
    *,
    host: Host,
    data: dict[str, Any],
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
    detail: dict[str, Any] | None = None,
) -> Host:
    """Edit a host's record (its owner's staff, checked by the page); a stale form is refused."""
    audit = audit_update(actor=by, request=request, detail=detail)
    with versioned_edit(
        Host, pk=host.pk, version=version, stale_message=STALE_HOST, audit=audit
    ) as edit:
        edit.change(_values(data, Host.EDITABLE_FIELDS))
    return edit.record


def visit_record(
    *, host: Host, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> DevelopmentVisit:
    """A development visit (開拓の訪問) by the worker, with the next step if there is one."""
    values = _values(data, VISIT_FIELDS)
    visited_on: date = values["visited_on"]
    next_step_on: date | None = values.get("next_step_on")
    errors: dict[str, str] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = VISIT_IN_FUTURE
    if next_step_on is not None and next_step_on < visited_on:
        errors["next_step_on"] = NEXT_STEP_BEFORE_VISIT
    if next_step_on is not None and not values.get("next_step", "").strip():
        errors["next_step"] = NEXT_STEP_DATE_WITHOUT_STEP
    _refuse(errors)
    with transaction.atomic():
        visit = DevelopmentVisit.objects.create(host=host, worker=by, **values)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=visit,
            fields=[name for name, value in values.items() if value],
        )
    return visit


def tour_attendee_choices(host: Host) -> QuerySet[User]:
    """The staff who may be recorded at a site tour: the active staff of the organisations of
    the host owner's prefecture (the windows the tour is held for)."""
    prefecture_id = prefecture_id_of(host.owner)
    in_prefecture = Q(organisation_id=host.owner_id)
    if prefecture_id is not None:
        in_prefecture |= Q(organisation__local_government_id=prefecture_id) | Q(
            organisation__local_government__prefecture_id=prefecture_id
        )
    return (
        User.objects.filter(in_prefecture, is_active=True, organisation__isnull=False)
        .select_related("organisation")
        .order_by("organisation__name", "display_name", "id")
    )


def tour_record(
    *,
    host: Host,
    held_on: date,
    notes: str,
    attendees: Iterable[User],
    by: User,
    request: HttpRequest | None = None,
) -> SiteTour:
    """A site tour (見学会) at the host, with the window staff who came."""
    chosen = {user.pk for user in attendees}
    allowed = set(tour_attendee_choices(host).filter(pk__in=chosen).values_list("pk", flat=True))
    _refuse({"attendees": ATTENDEE_NOT_AVAILABLE} if chosen - allowed else {})
    with transaction.atomic():
        tour = SiteTour.objects.create(host=host, held_on=held_on, notes=notes, created_by=by)
        tour.attendees.set(sorted(chosen))
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=tour,
            fields=["held_on", "attendees", *(["notes"] if notes else [])],
        )
    return tour


# ---- suggestions from other organisations ----


def suggested_changes(host: Host, data: dict[str, Any]) -> dict[str, Any]:
    """The fields of `data` whose value differs from the host's, as JSON values."""
    return {
        name: data[name]
        for name in SUGGESTABLE_FIELDS
        if name in data and data[name] != getattr(host, name)
    }


def suggestion_file(
    *,
    host: Host,
    changes: dict[str, Any],
    note: str,
    by: User,
    request: HttpRequest | None = None,
) -> HostSuggestion:
    """A worker of another organisation proposes changes to a host they see (the owner's staff
    edit directly). `changes`: field → proposed value, only what differs (`suggested_changes`)."""
    if host.is_owned_by(by):
        raise ValidationError(OWNER_EDITS_DIRECTLY)
    unknown = sorted(set(changes) - set(SUGGESTABLE_FIELDS))
    if unknown:
        raise ValidationError(FIELD_NOT_SUGGESTABLE.format(fields="・".join(unknown)))
    if not changes:
        raise ValidationError(NOTHING_SUGGESTED)
    with transaction.atomic():
        suggestion = HostSuggestion.objects.create(
            host=host, suggested_by=by, changes=changes, note=note
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=suggestion,
            fields=sorted(changes),
        )
    return suggestion


def _decide(suggestion: HostSuggestion, state: str, note: str, by: User) -> None:
    locked = HostSuggestion.objects.select_for_update().get(pk=suggestion.pk)
    if locked.state != HostSuggestion.State.OPEN:
        raise ValidationError(SUGGESTION_DECIDED.format(state=locked.get_state_display()))
    suggestion.state = state
    suggestion.decided_by = by
    suggestion.decided_at = timezone.now()
    suggestion.decision_note = note
    suggestion.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])


def suggestion_accept(
    *,
    suggestion: HostSuggestion,
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
) -> Host:
    """The owner applies a suggestion: the same versioned edit as the host form (a host changed
    since the owner opened the page is refused as stale), its audit row naming the suggestion."""
    with transaction.atomic():
        _decide(suggestion, HostSuggestion.State.ACCEPTED, "", by)
        host = host_edit(
            host=suggestion.host,
            data=suggestion.changes,
            version=version,
            by=by,
            request=request,
            detail={"suggestion": suggestion.pk},
        )
    return host


def suggestion_decline(
    *, suggestion: HostSuggestion, note: str, by: User, request: HttpRequest | None = None
) -> HostSuggestion:
    if not note.strip():
        raise ValidationError({"decision_note": DECLINE_WITHOUT_REASON})
    with transaction.atomic():
        _decide(suggestion, HostSuggestion.State.DECLINED, note.strip(), by)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=suggestion,
            fields=["state", "decision_note"],
        )
    return suggestion


# ---- offers ----


def taken_places(offer: Offer) -> int:
    return offer.placements.filter(stage__in=ACTIVE_STAGES).count() if offer.pk else 0


def _check_offer(values: dict[str, Any], offer: Offer | None) -> None:
    errors: dict[str, str] = {}
    if set(values.get("weekdays") or []) - set(Weekday.values):
        errors["weekdays"] = WEEKDAY_UNKNOWN
    minutes = values.get("minutes_first_time")
    if minutes is not None and not 10 <= minutes <= 480:
        errors["minutes_first_time"] = FIRST_TIME_RANGE
    hours = values.get("min_hours_per_week")
    if hours is not None and not 0.5 <= float(hours) <= 40:
        errors["min_hours_per_week"] = HOURS_RANGE
    if offer is not None and "places" in values:
        taken = taken_places(offer)
        if values["places"] < taken:
            errors["places"] = PLACES_BELOW_TAKEN.format(taken=taken)
    _refuse(errors)


def offer_create(
    *, host: Host, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> Offer:
    """A new offer at a host (its owner's staff, checked by the page)."""
    values = _values(data, Offer.EDITABLE_FIELDS)
    _check_offer(values, None)
    with transaction.atomic():
        offer = Offer.objects.create(host=host, created_by=by, **values)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=offer,
            fields=["host", *(name for name, value in values.items() if value)],
        )
    return offer


def offer_edit(
    *,
    offer: Offer,
    data: dict[str, Any],
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
) -> Offer:
    """Edit an offer; the places may not drop below those held by active placements."""
    values = _values(data, Offer.EDITABLE_FIELDS)
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Offer, pk=offer.pk, version=version, stale_message=STALE_OFFER, audit=audit
    ) as edit:
        _check_offer(values, edit.record)
        edit.change(values)
    return edit.record
