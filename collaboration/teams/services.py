"""A case's team (担当チーム) and lead worker (主担当): adding, removing, handing the lead over.

Each change names its reason, is dated in the case's history (`cases.TeamChange`) and audited,
atomically. The team decides who sees a restricted person's identity (`people.access`): the
person's team follows the case team, so adding and removing members is how a restriction is
managed. A worker of another organisation joins only while the person's consent in force covers
that organisation (the basis `collaboration.sharing.access` requires to share the case with them).
These rules live here, above cases, because that basis is collaboration's.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Case, TeamChange
from collaboration.consent.services import organisation_choices
from collaboration.sharing.access import valid_consents
from notifications.models import Notification
from notifications.services import notify

REASON_REQUIRED = "変更の理由を入力してください（ケースの履歴に残ります）。"
CASE_CLOSED = "終結したケースです。再開してからチームを変えてください。"
ALREADY_ON_TEAM = "{member} さんはすでに担当チームにいます。"
NOT_ON_TEAM = "{member} さんは担当チームにいません。"
MEMBER_INACTIVE = "利用を停止している職員はチームに加えられません。"
MEMBER_WITHOUT_RIGHT = "個人情報を含む記録を閲覧する役割のない職員はチームに加えられません。"
PARTNER_WITHOUT_CONSENT = (
    "{organisation} の職員をチームに加えるには、その機関を共有先に含む本人の有効な同意が"
    "必要です。先に同意を記録してください。"
)
PARTNER_WITHOUT_PERSON = (
    "本人のいないケースには、他機関の職員を加えられません（同意を記録できないため）。"
)
LEAD_NOT_REMOVABLE = "主担当はチームから外せません。先に主担当を別の職員に変えてください。"
LEAD_UNCHANGED = "{member} さんはすでに主担当です。"
LEAD_OTHER_ORGANISATION = "主担当はケースを持つ機関の職員から選んでください。"
LEAD_WITHOUT_RIGHT = "主担当には、記録を作成・更新できる役割の職員を選んでください。"
REASON_MAX_LENGTH = 300


def team_add(
    *, case: Case, member: User, reason: str, by: User, request: HttpRequest | None = None
) -> TeamChange:
    """Add `member` to the case team (and to the person's team, for a restricted identity)."""
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(case)
        _refuse_if_closed(current)
        if current.team.filter(pk=member.pk).exists():
            raise ValidationError({"member": ALREADY_ON_TEAM.format(member=member)})
        _refuse_member(current, member)
        current.team.add(member)
        if current.person is not None:
            current.person.team.add(member)
        change = _record(current, TeamChange.Kind.ADDED, member, reason, by, request)
        _notify_added(current, member, by)
        return change


def team_remove(
    *, case: Case, member: User, reason: str, by: User, request: HttpRequest | None = None
) -> TeamChange:
    """Take `member` off the team; off the person's team too unless another case keeps them."""
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(case)
        if member.pk == current.lead_worker_id:
            raise ValidationError({"member": LEAD_NOT_REMOVABLE})
        if not current.team.filter(pk=member.pk).exists():
            raise ValidationError({"member": NOT_ON_TEAM.format(member=member)})
        current.team.remove(member)
        if current.person is not None and not _keeps_person(member, current):
            current.person.team.remove(member)
        return _record(current, TeamChange.Kind.REMOVED, member, reason, by, request)


def lead_change(
    *, case: Case, new_lead: User, reason: str, by: User, request: HttpRequest | None = None
) -> TeamChange:
    """Hand the lead to `new_lead` (of the case's organisation); the previous lead stays on the
    team until removed."""
    reason = _reason(reason)
    with transaction.atomic():
        current = _locked(case)
        _refuse_if_closed(current)
        if new_lead.pk == current.lead_worker_id:
            raise ValidationError({"new_lead": LEAD_UNCHANGED.format(member=new_lead)})
        if new_lead.organisation_id != current.organisation_id:
            raise ValidationError({"new_lead": LEAD_OTHER_ORGANISATION})
        if not new_lead.is_active:
            raise ValidationError({"new_lead": MEMBER_INACTIVE})
        if not new_lead.has_right(Right.EDIT_PERSONAL_DATA):
            raise ValidationError({"new_lead": LEAD_WITHOUT_RIGHT})
        previous = current.lead_worker
        current.lead_worker = new_lead
        current.save(update_fields=["lead_worker"])
        current.team.add(new_lead)
        if current.person is not None:
            current.person.team.add(new_lead)
        return _record(
            current, TeamChange.Kind.LEAD, new_lead, reason, by, request, previous_lead=previous
        )


def _refuse_member(case: Case, member: User) -> None:
    if not member.is_active:
        raise ValidationError({"member": MEMBER_INACTIVE})
    if not member.has_right(Right.VIEW_PERSONAL_DATA):
        raise ValidationError({"member": MEMBER_WITHOUT_RIGHT})
    if member.organisation_id == case.organisation_id:
        return
    if case.person_id is None:
        raise ValidationError({"member": PARTNER_WITHOUT_PERSON})
    organisation = member.organisation
    if organisation is None or not any(
        consent.covers_organisation(organisation) for consent in valid_consents(case.person_id)
    ):
        name = organisation.name if organisation else "所属のない"
        raise ValidationError({"member": PARTNER_WITHOUT_CONSENT.format(organisation=name)})


def _notify_added(case: Case, member: User, by: User) -> None:
    """Tell the new member, by the case's number only; a partner's worker reads the case on the
    shared page (collaboration.sharing), the case's own office on the case page."""
    own_office = member.organisation_id == case.organisation_id
    notify(
        recipients=[member],
        kind=Notification.Kind.ADDED_TO_TEAM,
        message=f"ケース #{case.pk} の担当チームに追加されました",
        url=reverse("case_detail" if own_office else "shared_case", args=[case.pk]),
        actor=by,
    )


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": REASON_REQUIRED})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError({"reason": f"理由は{REASON_MAX_LENGTH}文字以内で入力してください。"})
    return reason


def _locked(case: Case) -> Case:
    # Two coordinators changing the team at once: one after the other, each seeing the other's.
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("person", "lead_worker")
        .get(pk=case.pk)
    )


def _refuse_if_closed(case: Case) -> None:
    if not case.is_open:
        raise ValidationError(CASE_CLOSED)


def _keeps_person(member: User, leaving: Case) -> bool:
    """Still on the team, or lead, of another case of the same person."""
    others = Case.objects.filter(person=leaving.person).exclude(pk=leaving.pk)
    return others.filter(team=member).exists() or others.filter(lead_worker=member).exists()


def _record(
    case: Case,
    kind: str,
    member: User,
    reason: str,
    by: User,
    request: HttpRequest | None,
    *,
    previous_lead: User | None = None,
) -> TeamChange:
    change = TeamChange.objects.create(
        case=case,
        kind=kind,
        member=member,
        previous_lead=previous_lead,
        reason=reason,
        by=by,
        at=timezone.now(),
    )
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        request=request,
        obj=case,
        fields=["lead_worker", "team"] if kind == TeamChange.Kind.LEAD else ["team"],
        detail={
            "team_change": kind,
            "member": member.pk,
            **({"previous_lead": previous_lead.pk} if previous_lead else {}),
        },
    )
    return change


def team_candidates(case: Case) -> list[User]:
    """Who may join the team now: active staff of the case's organisation holding the right to
    see personal records, and of the partner organisations the person's consent covers.

    A fixed number of queries: the consents, the area's organisations, their staff with roles.
    """
    organisation_ids = {case.organisation_id}
    consents = valid_consents(case.person_id) if case.person_id else []
    if consents:
        organisation_ids |= {
            organisation.pk
            for organisation in organisation_choices(case)
            if any(consent.covers_organisation(organisation) for consent in consents)
        }
    staff = (
        User.objects.filter(organisation_id__in=organisation_ids, is_active=True)
        .exclude(pk__in=case.team.values("pk"))
        .select_related("organisation")
        .prefetch_related("staff_roles")
        .order_by("organisation_id", "display_name", "id")
    )
    return [user for user in staff if user.has_right(Right.VIEW_PERSONAL_DATA)]


def lead_candidates(case: Case) -> list[User]:
    """Active staff of the case's organisation who may write its records, but the lead."""
    staff = (
        User.objects.filter(organisation_id=case.organisation_id, is_active=True)
        .exclude(pk=case.lead_worker_id)
        .prefetch_related("staff_roles")
        .order_by("display_name", "id")
    )
    return [user for user in staff if user.has_right(Right.EDIT_PERSONAL_DATA)]
