"""Hand-over (引き継ぎ): a leaving worker's open work goes to colleagues before the account stops.

What a worker may still hold, in four kinds: the open cases they lead, the meeting action items
they own and have not done, the supporter dispatches planned with them as the worker, and the
referrals they made that are still pending (打診中・受入). Deactivating a worker who holds any is
refused (`staff_deactivate`) with what remains; each item goes to a colleague of the worker's
organisation who may write its records, with a reason, audited. A case's lead goes through
`collaboration.teams.services.lead_change`, so the case history shows the hand-over.

This module reads cases, collaboration and supporters, so it is a layer of its own above them
(tsunagu/layers.py); accounts keeps the plain switch (`accounts.services.staff_set_active`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import Right
from accounts.services import staff_set_active
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Case, Stage
from collaboration.models import ActionItem, Referral
from collaboration.teams.services import lead_change
from supporters.models import Dispatch
from tsunagu.versioning import versioned_edit


class Kind(models.TextChoices):
    CASE = "case", "主担当のケース"
    ACTION_ITEM = "action_item", "会議のアクション項目"
    DISPATCH = "dispatch", "サポーター派遣の予定"
    REFERRAL = "referral", "進行中のつなぎ"


class Reason(models.TextChoices):
    """Why the work moves. Coded, so that the audit row can name it (the audit log holds no
    free text); a case's history shows the label."""

    LEAVING = "leaving", "退職"
    TRANSFER = "transfer", "異動"
    LEAVE = "leave", "休職・長期の休み"
    WORKLOAD = "workload", "担当の見直し"


OPEN_WORK_REMAINS = (
    "{staff} さんには、まだ引き継いでいない仕事があります（{summary}）。"
    "引き継ぎのページで同僚に引き継いでから、利用を停止してください。"
)
NOTHING_TO_HAND_OVER = "{staff} さんに引き継ぐ仕事はありません。"
RECIPIENT_IS_LEAVER = "引き継ぐ相手には、{staff} さん以外の職員を選んでください。"
RECIPIENT_OTHER_ORGANISATION = "引き継ぐ相手は同じ機関の職員から選んでください。"
RECIPIENT_INACTIVE = "利用を停止している職員には引き継げません。"
RECIPIENT_WITHOUT_RIGHT = "引き継ぐ相手には、記録を作成・更新できる役割の職員を選んでください。"
ITEM_NOT_HELD = "この項目はもう {staff} さんの担当ではありません。一覧を読み込み直してください。"
STALE_REFERRAL = "ほかの人が先にこのつなぎを更新しました。"


def open_cases(staff: User) -> QuerySet[Case]:
    return Case.objects.filter(lead_worker=staff).exclude(stage=Stage.CLOSED)


def open_action_items(staff: User) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(owner=staff, done_on__isnull=True)


def planned_dispatches(staff: User) -> QuerySet[Dispatch]:
    return Dispatch.objects.filter(worker=staff, state=Dispatch.State.PLANNED)


def pending_referrals(staff: User) -> QuerySet[Referral]:
    return Referral.objects.filter(referred_by=staff, state__in=Referral.OPEN_STATES)


HELD: dict[str, Callable[[User], QuerySet]] = {  # type: ignore[type-arg]
    Kind.CASE: open_cases,
    Kind.ACTION_ITEM: open_action_items,
    Kind.DISPATCH: planned_dispatches,
    Kind.REFERRAL: pending_referrals,
}


@dataclass(frozen=True)
class Remaining:
    """How many items of each kind a worker still holds."""

    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def summary(self) -> str:
        """「主担当のケース 2件、進行中のつなぎ 1件」"""
        return "、".join(
            f"{Kind(kind).label} {count}件" for kind, count in self.counts.items() if count
        )


def remaining_work(staff: User) -> Remaining:
    """One count query per kind."""
    return Remaining({kind: held(staff).count() for kind, held in HELD.items()})


def staff_deactivate(*, staff: User, by: User, request: HttpRequest | None = None) -> User:
    """Switch the account off, refused while the worker still holds open work."""
    with transaction.atomic():
        # Locked first, so that the count and the switch see the same account.
        current = User.objects.select_for_update().get(pk=staff.pk)
        remaining = remaining_work(current)
        if remaining.total:
            raise ValidationError(
                OPEN_WORK_REMAINS.format(staff=current, summary=remaining.summary())
            )
        return staff_set_active(staff=current, is_active=False, by=by, request=request)


def recipient_candidates(staff: User) -> list[User]:
    """Colleagues who may take over: active staff of the organisation who may write records."""
    if staff.organisation_id is None:
        return []
    colleagues = (
        User.objects.filter(organisation_id=staff.organisation_id, is_active=True)
        .exclude(pk=staff.pk)
        .prefetch_related("staff_roles")
        .order_by("display_name", "id")
    )
    return [user for user in colleagues if user.has_right(Right.EDIT_PERSONAL_DATA)]


def handover_item(
    *,
    staff: User,
    kind: str,
    pk: int,
    to: User,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """Give one item the worker holds to `to`."""
    reason = Reason(reason).value
    _refuse_recipient(staff, to)
    with transaction.atomic():
        held = HELD[Kind(kind)](staff)
        item = held.select_for_update(of=("self",)).filter(pk=pk).first()
        if item is None:
            raise ValidationError(ITEM_NOT_HELD.format(staff=staff))
        _HAND_OVER[Kind(kind)](item, staff, to, reason, by, request)


def handover_all(
    *, staff: User, to: User, reason: str, by: User, request: HttpRequest | None = None
) -> Remaining:
    """Give everything the worker holds to one colleague, in one transaction (all or nothing)."""
    reason = Reason(reason).value
    _refuse_recipient(staff, to)
    with transaction.atomic():
        moved = {}
        for kind, held in HELD.items():
            items = list(held(staff).select_for_update(of=("self",)).order_by("pk"))
            for item in items:
                _HAND_OVER[Kind(kind)](item, staff, to, reason, by, request)
            moved[kind] = len(items)
        handed = Remaining(moved)
        if not handed.total:
            raise ValidationError(NOTHING_TO_HAND_OVER.format(staff=staff))
    return handed


def _refuse_recipient(staff: User, to: User) -> None:
    if to.pk == staff.pk:
        raise ValidationError({"to": RECIPIENT_IS_LEAVER.format(staff=staff)})
    if to.organisation_id != staff.organisation_id:
        raise ValidationError({"to": RECIPIENT_OTHER_ORGANISATION})
    if not to.is_active:
        raise ValidationError({"to": RECIPIENT_INACTIVE})
    if not to.has_right(Right.EDIT_PERSONAL_DATA):
        raise ValidationError({"to": RECIPIENT_WITHOUT_RIGHT})


def _detail(staff: User, to: User, reason: str) -> dict[str, object]:
    return {"handover": {"from": staff.pk, "to": to.pk, "reason": reason}}


def _case(
    case: Case, staff: User, to: User, reason: str, by: User, request: HttpRequest | None
) -> None:
    label = f"引き継ぎ（{Reason(reason).label}）: {staff} さんから"
    lead_change(case=case, new_lead=to, reason=label, by=by, request=request)


def _action_item(
    item: ActionItem, staff: User, to: User, reason: str, by: User, request: HttpRequest | None
) -> None:
    item.owner = to
    item.save(update_fields=["owner"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        request=request,
        obj=item,
        fields=["owner"],
        detail=_detail(staff, to, reason),
    )


def _dispatch(
    dispatch: Dispatch, staff: User, to: User, reason: str, by: User, request: HttpRequest | None
) -> None:
    dispatch.worker = to
    dispatch.save(update_fields=["worker"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        request=request,
        obj=dispatch,
        fields=["worker"],
        detail=_detail(staff, to, reason),
    )


def _referral(
    referral: Referral, staff: User, to: User, reason: str, by: User, request: HttpRequest | None
) -> None:
    audit = audit_update(actor=by, request=request, detail=_detail(staff, to, reason))
    with versioned_edit(
        Referral, pk=referral.pk, version=None, stale_message=STALE_REFERRAL, audit=audit
    ) as edit:
        edit.change({"referred_by": to})


_HAND_OVER: dict[str, Callable[..., None]] = {
    Kind.CASE: _case,
    Kind.ACTION_ITEM: _action_item,
    Kind.DISPATCH: _dispatch,
    Kind.REFERRAL: _referral,
}


def cases_lead_change(
    *, cases: list[Case], new_lead: User, reason: str, by: User, request: HttpRequest | None = None
) -> int:
    """The lead of several cases to one worker at once (the case list), all or nothing; a case
    already led by `new_lead` is left as it is."""
    with transaction.atomic():
        changed = 0
        for case in cases:
            if case.lead_worker_id == new_lead.pk:
                continue
            try:
                lead_change(case=case, new_lead=new_lead, reason=reason, by=by, request=request)
            except ValidationError as error:
                # Which case stopped the whole change, so the worker can leave it out.
                raise ValidationError(
                    [f"「{case}」: {message}" for message in error.messages]
                ) from None
            changed += 1
    return changed
