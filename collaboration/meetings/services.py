"""Meetings (会議): writes, each atomic with its audit row, and the rules of each kind of meeting.

- 支援会議 (社会福祉法 第106条の6, 生活困窮者自立支援法 第9条): cases may be put on the agenda
  without consent; a member of another organisation sees no material before acknowledging the
  duty of confidentiality (`member_acknowledge`, read by `accounts.access.agenda_material_basis`).
- 重層的支援会議: only a case whose person has a valid consent that allows sharing at this kind of
  meeting may be put on the agenda (`agenda_add` refuses the others and says why); the consent is
  stored on the item, and its withdrawal or expiry closes the material at once.
- 支援調整会議: approves support plans (`decision_add` with プラン承認 stamps the plan).
- ケース会議: internal; only staff of the convening organisation take part.

A refusal is a ValidationError naming the field with a Japanese message; nothing is changed.
The audit rows name ids and field names only, never the values.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import visible_to
from accounts.models import Organisation, User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Case, SupportPlan
from collaboration.models import (
    ActionItem,
    AgendaItem,
    Consent,
    Decision,
    Meeting,
    MeetingMember,
)
from collaboration.sharing.access import valid_consents
from notifications.models import Notification
from notifications.services import notify
from tsunagu.dates import wareki
from tsunagu.versioning import versioned_edit

STALE_MINUTES = (
    "ほかの参加者が先に議事録を保存しました。保存されている内容と入力した内容を見比べてから、"
    "もう一度保存してください。"
)
CASE_CONFERENCE_OTHER_ORGANISATION = (
    "ケース会議は機関内の会議です。招集した機関の職員だけを参加者にできます。"
)
MEMBER_WITHOUT_RIGHT = (
    "個人情報を閲覧する権限のない職員（統計担当・監査担当など）は参加者にできません。"
)
MEMBER_INACTIVE = "利用を停止している職員は参加者にできません。"
MEMBER_OUTSIDE_AREA = (
    "この会議の参加者にできるのは、招集した機関の市町村と都道府県の機関の職員です。"
)
ALREADY_MEMBER = "この職員はすでに参加者です。"
CASE_OF_OTHER_ORGANISATION = "議題にできるのは、自分の機関のケースだけです。"
CASE_CONFERENCE_CASE = "ケース会議の議題にできるのは、招集した機関のケースだけです。"
CASE_ALREADY_ON_AGENDA = "このケースはすでに議題にあります。"
CASE_CLOSED = "終結したケースです。再開してから議題にしてください。"
NO_PERSON_FOR_CONSENT = (
    "重層的支援会議の議題にできません。本人が登録されていないケースには、本人の同意を確認できない"
    "ためです。本人を登録して同意を得るか、支援会議として開催してください。"
)
NO_MULTIAGENCY_CONSENT = (
    "重層的支援会議の議題にできません。このケースの本人には、重層的支援会議で情報を共有することへの"
    "有効な同意がありません（同意がない・期限切れ・撤回済み、または同意の範囲に重層的支援会議が"
    "含まれていない）。本人の同意を得てから議題にするか、同意なしで共有できる支援会議"
    "（社会福祉法第106条の6）として開催してください。"
)
PLAN_APPROVAL_KIND = "プランの承認は支援調整会議で行います。"
PLAN_APPROVAL_NEEDS_CASE = "承認するプランのケースを選んでください。"
PLAN_APPROVAL_NO_PLAN = (
    "このケースにはまだ支援プランがありません。プランを作成してから承認してください。"
)
PLAN_APPROVAL_OTHER_ORGANISATION = "プランの承認は、そのケースを持つ機関の職員が記録します。"
PLAN_APPROVAL_BEFORE_MEETING = "会議の開催日より前には、プランの承認を記録できません。"
APPROVAL_MEETING_MAX_LENGTH = 200  # SupportPlan.approval_meeting
CASE_NOT_ON_AGENDA = "議題にあるケースから選んでください。"
OWNER_NOT_MEMBER = "担当者は会議の参加者から選んでください。"
DUE_IN_PAST = "期限は今日以降の日付にしてください。"
ACTION_ALREADY_DONE = "この項目はすでに完了しています。"
NOT_SUPPORT_MEETING = "守秘義務の確認は支援会議の参加者が行います。"
NO_ORGANISATION = "所属機関が設定されていません。管理者に連絡してください。"
NO_PLACE = "場所を入力するか、オンラインを選んでください。"
ACKNOWLEDGED_BY_THE_MEMBER = "守秘義務の確認は、参加者本人が行います。"


def meeting_create(
    *,
    kind: str,
    title: str,
    held_at: datetime,
    place: str = "",
    online: bool = False,
    by: User,
    request: HttpRequest | None = None,
) -> Meeting:
    """Convene a meeting of the convener's organisation; the convener is its first member."""
    if by.organisation_id is None:
        raise ValidationError(NO_ORGANISATION)
    if not place and not online:
        raise ValidationError({"place": NO_PLACE})
    with transaction.atomic():
        meeting = Meeting.objects.create(
            organisation_id=by.organisation_id,
            kind=Meeting.Kind(kind),
            title=title,
            held_at=held_at,
            place=place,
            online=online,
            created_by=by,
        )
        MeetingMember.objects.create(meeting=meeting, user=by)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=meeting,
            fields=[
                "kind",
                "title",
                "held_at",
                *(["place"] if place else []),
                *(["online"] if online else []),
            ],
            detail={"members": [by.pk]},
        )
    return meeting


def member_organisations(meeting: Meeting) -> QuerySet[Organisation]:
    """The organisations whose staff may take part: the convening one for a ケース会議, else the
    organisations of its municipality and of its prefecture (such as the prefectural centre)."""
    if meeting.kind in Meeting.INTERNAL_KINDS:
        return Organisation.objects.filter(pk=meeting.organisation_id)
    local_government = meeting.organisation.local_government
    ids = [local_government.pk]
    if local_government.prefecture_id is not None:
        ids.append(local_government.prefecture_id)
    return Organisation.objects.filter(local_government_id__in=ids).order_by("type", "name")


def member_organisation_ids(meeting: Meeting) -> set[int]:
    return set(member_organisations(meeting).values_list("pk", flat=True))


def member_add(
    *, meeting: Meeting, user: User, by: User, request: HttpRequest | None = None
) -> MeetingMember:
    """Add a participant; a ケース会議 only from the convening organisation."""
    if not user.is_active or user.organisation_id is None:
        raise ValidationError({"user": MEMBER_INACTIVE})
    if meeting.kind in Meeting.INTERNAL_KINDS and user.organisation_id != meeting.organisation_id:
        raise ValidationError({"user": CASE_CONFERENCE_OTHER_ORGANISATION})
    if not user.has_right(Right.VIEW_PERSONAL_DATA):
        raise ValidationError({"user": MEMBER_WITHOUT_RIGHT})
    if user.organisation_id not in member_organisation_ids(meeting):
        raise ValidationError({"user": MEMBER_OUTSIDE_AREA})
    try:
        with transaction.atomic():
            member = MeetingMember.objects.create(meeting=meeting, user=user)
            audit_record(
                action=AuditEvent.Action.CREATE,
                actor=by,
                request=request,
                obj=member,
                fields=["meeting", "user"],
                detail={"meeting": meeting.pk, "user": user.pk},
            )
            # The meeting's number, kind and date: its title may name a person or a family.
            held_on = wareki(timezone.localtime(meeting.held_at).date())
            notify(
                recipients=[user],
                kind=Notification.Kind.ADDED_TO_MEETING,
                message=(
                    f"会議 #{meeting.pk}（{meeting.get_kind_display()}・{held_on}）の"
                    "参加者に追加されました"
                ),
                url=reverse("meeting_detail", args=[meeting.pk]),
                actor=by,
            )
    except IntegrityError:
        raise ValidationError({"user": ALREADY_MEMBER}) from None
    return member


def member_acknowledge(
    *, member: MeetingMember, by: User, request: HttpRequest | None = None
) -> MeetingMember:
    """Record that a 支援会議 member acknowledged the duty of confidentiality (once, with time)."""
    if not member.meeting.is_statutory:
        raise ValidationError(NOT_SUPPORT_MEETING)
    if member.user_id != by.pk:
        raise ValidationError(ACKNOWLEDGED_BY_THE_MEMBER)
    with transaction.atomic():
        current = MeetingMember.objects.select_for_update().get(pk=member.pk)
        if current.confidentiality_acknowledged_at is None:
            current.confidentiality_acknowledged_at = timezone.now()
            current.save(update_fields=["confidentiality_acknowledged_at"])
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                obj=current,
                fields=["confidentiality_acknowledged_at"],
                detail={"meeting": member.meeting_id, "confidentiality": "acknowledged"},
            )
    return current


def multiagency_consent(case: Case, today: date | None = None) -> Consent:
    """The person's valid consent that allows sharing at a 重層的支援会議, or the refusal."""
    if case.person_id is None:
        raise ValidationError({"case": NO_PERSON_FOR_CONSENT})
    for consent in valid_consents(case.person_id, today=today):
        if consent.allows_multiagency_meeting:
            return consent
    raise ValidationError({"case": NO_MULTIAGENCY_CONSENT})


def agenda_add(
    *,
    meeting: Meeting,
    case: Case,
    material: str,
    by: User,
    request: HttpRequest | None = None,
) -> AgendaItem:
    """Put a case of the adder's own organisation on the agenda, as the kind of meeting allows.

    The caller has loaded `case` for `by` through `get_for_user`.
    """
    if case.organisation_id != by.organisation_id:
        raise ValidationError({"case": CASE_OF_OTHER_ORGANISATION})
    if meeting.kind in Meeting.INTERNAL_KINDS and case.organisation_id != meeting.organisation_id:
        raise ValidationError({"case": CASE_CONFERENCE_CASE})
    if not case.is_open:
        raise ValidationError({"case": CASE_CLOSED})
    consent = multiagency_consent(case) if meeting.requires_consent else None
    try:
        with transaction.atomic():
            item = AgendaItem.objects.create(
                meeting=meeting, case=case, consent=consent, material=material, added_by=by
            )
            audit_record(
                action=AuditEvent.Action.CREATE,
                actor=by,
                request=request,
                obj=item,
                fields=["meeting", "case", *(["consent"] if consent else []), "material"],
                detail={"meeting": meeting.pk, "case": case.pk},
            )
    except IntegrityError:
        raise ValidationError({"case": CASE_ALREADY_ON_AGENDA}) from None
    return item


def minutes_save(
    *,
    meeting: Meeting,
    minutes: str,
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Meeting:
    """Save the minutes (非公開) unless someone saved since `version` (StaleVersionError)."""
    with versioned_edit(
        Meeting,
        pk=meeting.pk,
        version=version,
        stale_message=STALE_MINUTES,
        audit=audit_update(actor=by, request=request),
    ) as edit:
        if edit.change({"minutes": minutes}):
            edit.also({"minutes_updated_at": timezone.now()})
    return edit.record


def decision_add(
    *,
    meeting: Meeting,
    kind: str,
    text: str,
    case: Case | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Decision:
    """Record a decision; a プラン承認 also stamps the case's latest plan with the meeting."""
    kind = Decision.Kind(kind)
    if case is not None and not meeting.agenda.filter(case=case).exists():
        raise ValidationError({"case": CASE_NOT_ON_AGENDA})
    with transaction.atomic():
        plan = (
            _approve_plan(meeting, case, by, request)
            if kind == Decision.Kind.PLAN_APPROVAL
            else None
        )
        decision = Decision.objects.create(
            meeting=meeting, case=case, plan=plan, kind=kind, text=text, decided_by=by
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=decision,
            fields=["kind", "text", *(["case"] if case else []), *(["plan"] if plan else [])],
            detail={"meeting": meeting.pk},
        )
    return decision


def _approve_plan(
    meeting: Meeting, case: Case | None, by: User, request: HttpRequest | None
) -> SupportPlan:
    if meeting.kind != Meeting.Kind.COORDINATION:
        raise ValidationError({"kind": PLAN_APPROVAL_KIND})
    if case is None:
        raise ValidationError({"case": PLAN_APPROVAL_NEEDS_CASE})
    if case.organisation_id != by.organisation_id:
        raise ValidationError({"case": PLAN_APPROVAL_OTHER_ORGANISATION})
    approved_on = timezone.localtime(meeting.held_at).date()
    if approved_on > timezone.localdate():
        raise ValidationError({"kind": PLAN_APPROVAL_BEFORE_MEETING})
    plan = SupportPlan.objects.select_for_update().filter(case=case).order_by("-number").first()
    if plan is None:
        raise ValidationError({"case": PLAN_APPROVAL_NO_PLAN})
    plan.approved_on = approved_on
    plan.approval_meeting = str(meeting)[
        : SupportPlan._meta.get_field("approval_meeting").max_length
    ]
    plan.save(update_fields=["approved_on", "approval_meeting"])
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        request=request,
        obj=plan,
        fields=["approved_on", "approval_meeting"],
        detail={"meeting": meeting.pk, "case": case.pk},
    )
    return plan


def action_add(
    *,
    meeting: Meeting,
    title: str,
    owner: User,
    due_on: date,
    case: Case | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> ActionItem:
    """An action item for one of the participants; it stays on their watch list until done."""
    errors: dict[str, str] = {}
    if not meeting.members.filter(user=owner).exists():
        errors["owner"] = OWNER_NOT_MEMBER
    if due_on < timezone.localdate():
        errors["due_on"] = DUE_IN_PAST
    if case is not None and not meeting.agenda.filter(case=case).exists():
        errors["case"] = CASE_NOT_ON_AGENDA
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        action = ActionItem.objects.create(
            meeting=meeting, case=case, title=title, owner=owner, due_on=due_on, created_by=by
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=action,
            fields=["title", "owner", "due_on", *(["case"] if case else [])],
            detail={"meeting": meeting.pk},
        )
    return action


def action_done(*, action: ActionItem, by: User, request: HttpRequest | None = None) -> ActionItem:
    """Mark an action item done today; it leaves the owner's watch list."""
    with transaction.atomic():
        current = ActionItem.objects.select_for_update().get(pk=action.pk)
        if current.done_on is not None:
            raise ValidationError(ACTION_ALREADY_DONE)
        current.done_on = timezone.localdate()
        current.save(update_fields=["done_on"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            fields=["done_on"],
            detail={"meeting": current.meeting_id},
        )
    return current


def meetings_for_case(case: Case, user: User) -> list[Meeting]:
    """The meetings with `case` on their agenda that `user` may open, latest first (case page)."""
    return list(
        visible_to(user, Meeting.objects.filter(agenda__case=case))
        .select_related("organisation")
        .order_by("-held_at", "-id")
        .distinct()
    )
