"""Writes to the supporter registry and to dispatches, each atomic with its audit row.

A refusal is a ValidationError naming the field (the `data` key) with its Japanese message.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import visible_to
from accounts.models import Contract, StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Case, Stage
from community.models import Session
from notifications.models import Notification
from notifications.services import notify
from supporters.models import Dispatch, DispatchReport, Supporter, Training
from tsunagu.dates import wareki
from tsunagu.versioning import versioned_edit

STALE_SUPPORTER = "ほかの人が先にこのサポーターの登録を更新しました。最新の内容を確認してください。"
NOT_A_SUPPORTER_ACCOUNT = "サポーターの役割を持つ、この機関か委託先のアカウントを選んでください。"
ACCOUNT_ALREADY_LINKED = "このアカウントはすでに別のサポーター登録に結び付いています。"
UNTIL_BEFORE_FROM = "終わりの時刻は始まりの時刻より後にしてください。"
TRAINING_IN_FUTURE = "修了日が未来の日付です。"
TRAINING_HOURS_RANGE = "時間数は0.5〜999.5の間で入力してください。"
DISPATCH_IN_PAST = "派遣の日時が過ぎています。これからの日時を入力してください。"
ENDS_BEFORE_START = "終了予定は開始の日時より後にしてください。"
SUPPORTER_INACTIVE = "登録を休止しているサポーターには派遣できません。"
SESSION_REQUIRED = "居場所への派遣には、開催回を選んでください。"
SESSION_NOT_AVAILABLE = "開催回は一覧にあるものから選んでください。"
SESSION_CANCELLED = "休みになった開催回には派遣できません。"
SESSION_OTHER_DAY = "日時が開催回の日付（{day}）と違います。"
CASE_REQUIRED = "訪問への同行には、ケースを選んでください。"
CASE_CLOSED = "終結したケースには派遣できません。"
CASE_NOT_AVAILABLE = "ケースは一覧にあるものから選んでください。"
WORKER_NOT_AVAILABLE = "担当職員は一覧にあるものから選んでください。"
ALREADY_CANCELLED = "この派遣はすでに中止になっています。"
ALREADY_DONE = "報告が提出された派遣は中止にできません。"
CANCEL_WITHOUT_REASON = "中止の理由を入力してください。"
REPORT_ON_CANCELLED = "中止になった派遣には報告できません。"
REPORT_TWICE = "この派遣の報告はすでに提出されています。"
REPORT_TOO_EARLY = "派遣の日時より前には報告できません。終わってから提出してください。"
MINUTES_RANGE = "活動した時間は1〜1440分の間で入力してください。"

REPORT_FIELDS = ("what_happened", "minutes_spent", "concerns")


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def supporter_accounts(organisation_id: int) -> QuerySet[User]:
    """Accounts that may be linked to a registration: active supporters of the organisation or
    of an organisation it has contracted (e.g. the NPO running its ibasho)."""
    contractors = (
        Contract.objects.in_force(timezone.localdate())
        .filter(commissioner_id=organisation_id)
        .values("contractor_id")
    )
    supporters = StaffRole.objects.filter(role=Role.SUPPORTER).values("user_id")
    return (
        User.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation_id__in=contractors),
            is_active=True,
            pk__in=supporters,
        )
        .select_related("organisation")
        .order_by("organisation_id", "username")
    )


def _check_supporter(data: dict[str, Any], organisation_id: int, pk: int | None) -> None:
    errors: dict[str, str] = {}
    user = data.get("user")
    if user is not None:
        if not supporter_accounts(organisation_id).filter(pk=user.pk).exists():
            errors["user"] = NOT_A_SUPPORTER_ACCOUNT
        elif _linked_elsewhere(organisation_id, user, pk):
            errors["user"] = ACCOUNT_ALREADY_LINKED
    start, end = data.get("available_from"), data.get("available_until")
    if start and end and end <= start:
        errors["available_until"] = UNTIL_BEFORE_FROM
    _refuse(errors)


def _linked_elsewhere(organisation_id: int, user: User, pk: int | None) -> bool:
    registrations = Supporter.objects.filter(organisation_id=organisation_id, user=user)
    if pk is not None:
        registrations = registrations.exclude(pk=pk)
    return registrations.exists()


def supporter_register(
    *, organisation_id: int, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> Supporter:
    _check_supporter(data, organisation_id, None)
    with transaction.atomic():
        supporter = Supporter.objects.create(
            organisation_id=organisation_id,
            **{name: data[name] for name in Supporter.REGISTRY_FIELDS if name in data},
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=supporter,
            fields=Supporter.REGISTRY_FIELDS,
        )
    return supporter


def supporter_update(
    *,
    supporter: Supporter,
    data: dict[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Supporter:
    _check_supporter(data, supporter.organisation_id, supporter.pk)
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Supporter, pk=supporter.pk, version=version, stale_message=STALE_SUPPORTER, audit=audit
    ) as edit:
        edit.change({name: data[name] for name in Supporter.REGISTRY_FIELDS if name in data})
    return edit.record


def training_add(
    *,
    supporter: Supporter,
    name: str,
    completed_on: date,
    hours: Decimal,
    by: User,
    request: HttpRequest | None = None,
) -> Training:
    errors: dict[str, str] = {}
    if completed_on > timezone.localdate():
        errors["completed_on"] = TRAINING_IN_FUTURE
    if not Decimal("0.5") <= hours <= Decimal("999.5"):
        errors["hours"] = TRAINING_HOURS_RANGE
    _refuse(errors)
    with transaction.atomic():
        training = Training.objects.create(
            supporter=supporter, name=name, completed_on=completed_on, hours=hours
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=training,
            fields=["name", "completed_on", "hours"],
            detail={"supporter": supporter.pk},
        )
    return training


def _check_dispatch(
    organisation_id: int, supporter: Supporter, data: dict[str, Any], by: User, now: datetime
) -> None:
    errors: dict[str, str] = {}
    if not supporter.is_active:
        errors["supporter"] = SUPPORTER_INACTIVE
    starts_at, ends_at = data["starts_at"], data.get("ends_at")
    if starts_at < now:
        errors["starts_at"] = DISPATCH_IN_PAST
    if ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = ENDS_BEFORE_START
    case: Case | None = data.get("case")
    if case is None and data["kind"] == Dispatch.Kind.HOME_VISIT:
        errors["case"] = CASE_REQUIRED
    elif case is not None and case.organisation_id != organisation_id:
        errors["case"] = CASE_NOT_AVAILABLE
    elif case is not None and case.stage == Stage.CLOSED:
        errors["case"] = CASE_CLOSED
    errors.update(_session_errors(data, by))
    worker: User = data["worker"]
    if worker.organisation_id != organisation_id or not worker.is_active:
        errors["worker"] = WORKER_NOT_AVAILABLE
    _refuse(errors)


def _session_errors(data: dict[str, Any], by: User) -> dict[str, str]:
    session: Session | None = data.get("session")
    if session is None:
        return {"session": SESSION_REQUIRED} if data["kind"] == Dispatch.Kind.SESSION else {}
    if not visible_to(by, Session.objects.filter(pk=session.pk)).exists():
        return {"session": SESSION_NOT_AVAILABLE}
    if session.is_cancelled:
        return {"session": SESSION_CANCELLED}
    if timezone.localtime(data["starts_at"]).date() != session.date:
        return {"starts_at": SESSION_OTHER_DAY.format(day=wareki(session.date))}
    return {}


def dispatch_create(
    *,
    organisation_id: int,
    supporter: Supporter,
    data: dict[str, Any],
    by: User,
    request: HttpRequest | None = None,
) -> Dispatch:
    """Plan a dispatch. The case must be one the worker may see (the caller offers only those);
    the display name is what the worker typed, never taken from the person record."""
    if supporter.organisation_id != organisation_id:
        raise ValidationError({"supporter": "サポーターは一覧にあるものから選んでください。"})
    _check_dispatch(organisation_id, supporter, data, by, timezone.now())
    with transaction.atomic():
        dispatch = Dispatch.objects.create(
            organisation_id=organisation_id,
            supporter=supporter,
            created_by=by,
            **{name: data.get(name) or _blank(name) for name in Dispatch.PLANNED_FIELDS},
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=dispatch,
            fields=["supporter", *Dispatch.PLANNED_FIELDS],
            detail={"case": dispatch.case_id, "session": dispatch.session_id},
        )
    return dispatch


def _blank(name: str) -> Any:
    """The stored value of an optional field left empty."""
    return None if name in ("case", "session", "ends_at") else ""


def dispatch_cancel(
    *, dispatch: Dispatch, reason: str, by: User, request: HttpRequest | None = None
) -> Dispatch:
    if not reason.strip():
        raise ValidationError({"reason": CANCEL_WITHOUT_REASON})
    with transaction.atomic():
        current = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if current.state == Dispatch.State.CANCELLED:
            raise ValidationError(ALREADY_CANCELLED)
        if current.state == Dispatch.State.DONE:
            raise ValidationError(ALREADY_DONE)
        current.state = Dispatch.State.CANCELLED
        current.cancelled_reason = reason.strip()
        current.save(update_fields=["state", "cancelled_reason"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            fields=["state", "cancelled_reason"],
        )
    return current


def report_file(
    *, dispatch: Dispatch, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> DispatchReport:
    """The supporter's report; it marks the dispatch as carried out (実施)."""
    minutes = data["minutes_spent"]
    if not 1 <= minutes <= 1440:
        raise ValidationError({"minutes_spent": MINUTES_RANGE})
    with transaction.atomic():
        current = Dispatch.objects.select_for_update().get(pk=dispatch.pk)
        if current.state == Dispatch.State.CANCELLED:
            raise ValidationError(REPORT_ON_CANCELLED)
        if DispatchReport.objects.filter(dispatch=current).exists():
            raise ValidationError(REPORT_TWICE)
        if current.starts_at > timezone.now():
            raise ValidationError(REPORT_TOO_EARLY)
        report = DispatchReport.objects.create(
            dispatch=current,
            what_happened=data["what_happened"],
            minutes_spent=minutes,
            concerns=data.get("concerns") or "",
            filed_by=by,
        )
        current.state = Dispatch.State.DONE
        current.save(update_fields=["state"])
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=report,
            fields=REPORT_FIELDS,
            detail={"dispatch": current.pk},
        )
        if report.has_concerns:
            # The worker hears of a concern at once; the message names the dispatch only.
            notify(
                recipients=[current.worker],
                kind=Notification.Kind.OTHER,
                message=f"派遣 #{current.pk} の報告に、サポーターからの気がかりがあります。",
                url=reverse("dispatch_detail", args=[current.pk]),
                actor=by,
            )
    return report
