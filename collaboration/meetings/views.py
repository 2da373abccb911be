"""Meeting pages (会議): list, convening, members, the confidentiality step, agenda and material,
minutes, decisions and action items.

Who sees what (the rules are in `collaboration.meetings.access`):
- the meeting: staff of the convening organisation and its members (others: 404);
- an agenda item's material: staff of the case's own organisation; a member of another
  organisation only on the basis `agenda_material_basis` gives (支援会議: after acknowledging
  confidentiality; 重層的支援会議: while the item's consent holds), each view logged as a
  disclosure; without a basis 404, audited;
- the minutes (非公開): the participants only, even within the convening organisation.
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import (
    deny,
    get_for_user,
    own_organisation_id,
    request_user,
    require_right,
    visible_to,
)
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Case, Stage
from collaboration.meetings.access import (
    ACKNOWLEDGE_FIRST,
    NOT_A_PARTICIPANT,
    SUMMARY_FIELDS,
    Participation,
    agenda_items,
    agenda_material_for,
    load_meeting,
    participation_of,
)
from collaboration.meetings.forms import (
    ActionItemForm,
    AgendaItemForm,
    DecisionForm,
    MeetingForm,
    MemberForm,
    MinutesForm,
)
from collaboration.meetings.list_forms import MEETING_SORTS, MeetingFilterForm
from collaboration.meetings.services import (
    action_add,
    action_done,
    agenda_add,
    decision_add,
    meeting_create,
    member_acknowledge,
    member_add,
    member_organisations,
    minutes_save,
)
from collaboration.models import ActionItem, AgendaItem, Meeting, MeetingMember
from collaboration.sharing.access import agenda_material_bases
from people.access import hidden_person_ids
from tsunagu.forms import show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

DETAIL_FIELDS = (*SUMMARY_FIELDS, "agenda", "decisions", "action_items")
LIST_FIELDS = ("kind", "title", "held_at", "place", "online")
CASE_CHOICES_LIMIT = 300


def refuse(request: HttpRequest, obj: Any, reason: str, message: str) -> PermissionDenied:
    """Audit a refusal that is not a missing right (e.g. not a participant) and return the 403."""
    audit_record(
        action=AuditEvent.Action.DENIED,
        actor=request_user(request),
        request=request,
        obj=obj,
        detail={"reason": reason},
    )
    return PermissionDenied(message)


# ---- agenda rows: what each viewer may see of each item ----


@dataclass(frozen=True)
class AgendaRow:
    number: int
    item: AgendaItem
    label: str
    own_case: bool
    material_open: bool
    reason: str


def agenda_rows(user: User, items: list[AgendaItem]) -> list[AgendaRow]:
    hidden = hidden_person_ids(user, [item.case.person for item in items])
    bases = agenda_material_bases(user, items)
    rows = []
    for number, item in enumerate(items, start=1):
        case = item.case
        if case.organisation_id == user.organisation_id:
            label = f"ケース #{case.pk}（制限対象者）" if case.person_id in hidden else case.title
            rows.append(AgendaRow(number, item, label, True, True, ""))
            continue
        label = f"議題{number}（{case.organisation.name}のケース）"
        is_open = bases[item.pk] is not None
        rows.append(AgendaRow(number, item, label, False, is_open, closed_reason(item)))
    return rows


def closed_reason(item: AgendaItem) -> str:
    meeting = item.meeting
    if meeting.is_statutory:
        return "守秘義務の確認後、会議の日から一定の期間だけ閲覧できます。"
    if meeting.requires_consent:
        return "本人の同意が撤回されたか期限が切れたため、閲覧できません。"
    return "本人の同意がこの機関との共有を含まないため、閲覧できません。"


def case_labels(rows: list[AgendaRow]) -> dict[int, str]:
    return {row.item.case_id: row.label for row in rows}


# ---- pages ----


def meeting_list(request: HttpRequest) -> HttpResponse:
    """Meetings one page at a time, filtered and sorted in SQL (collaboration.meetings.list_forms);
    the audit row names the meetings shown."""
    user = request_user(request)
    now = timezone.now()
    filters = MeetingFilterForm(request.GET)
    meetings = Meeting.objects.select_related("organisation").annotate(agenda_count=Count("agenda"))
    listing = ListPage.read(
        request,
        filters.apply(meetings, now),
        right=Right.VIEW_PERSONAL_DATA,
        sorts=MEETING_SORTS,
        default_sort=filters.default_sort,
        fields=LIST_FIELDS,
    )
    return render(
        request,
        "collaboration/meetings/meeting_list.html",
        {
            "meetings": listing.records,
            "listing": listing,
            "filters": filters,
            "can_convene": user.has_right(Right.CONVENE_MEETINGS),
            "now": now,
        },
    )


def meeting_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.CONVENE_MEETINGS, request=request)
    form = MeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = meeting_create(**form.cleaned_data, by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{meeting}を作成しました。参加者を追加してください。")
            return redirect("meeting_detail", pk=meeting.pk)
    return render(request, "collaboration/meetings/meeting_form.html", {"form": form})


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk, fields=DETAIL_FIELDS)
    participation = participation_of(user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "participation": participation,
        "material_days": settings.SUPPORT_MEETING_MATERIAL_DAYS,
        "meeting_status": meeting_status(meeting),
        # 支援会議 (社会福祉法第106条の6): every participant is bound to confidentiality.
        "confidentiality_badge": "守秘義務あり（支援会議）" if meeting.is_statutory else "",
    }
    if participation.sees_record:
        rows = agenda_rows(user, agenda_items(meeting))
        labels = case_labels(rows)
        context |= {
            "agenda": rows,
            "decisions": [
                (decision, labels.get(decision.case_id or 0, ""))
                for decision in meeting.decisions.select_related("decided_by", "plan")
            ],
            "action_items": [
                (action, labels.get(action.case_id or 0, ""))
                for action in meeting.action_items.select_related("owner__organisation")
            ],
            "today": timezone.localdate(),
        }
    else:
        context["agenda_count"] = meeting.agenda.count()
    return render(request, "collaboration/meetings/meeting_detail.html", context)


def meeting_status(meeting: Meeting) -> str:
    """The meeting's status in the summary header: to be held, or held and whether its minutes
    are written (the minutes themselves are not read here)."""
    if meeting.held_at > timezone.now():
        return "開催予定"
    return "開催済み（議事録あり）" if meeting.minutes_updated_at else "開催済み（議事録未作成）"


@require_POST
def meeting_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk)
    participation = participation_of(user, meeting)
    if participation.member is None:
        raise refuse(request, meeting, "not_a_member", "会議の参加者ではありません。")
    try:
        member = member_acknowledge(member=participation.member, by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        acknowledged_at = timezone.localtime(member.confidentiality_acknowledged_at)
        messages.success(
            request,
            f"守秘義務の確認を記録しました（{acknowledged_at:%Y-%m-%d %H:%M}）。"
            "議題の資料を閲覧できます。",
        )
    return redirect("meeting_detail", pk=meeting.pk)


def meeting_members(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk)
    if not participation_of(user, meeting).can_convene:
        raise deny(user, right=Right.CONVENE_MEETINGS, request=request, obj=meeting)
    organisations = list(member_organisations(meeting))
    data = request.POST if request.method == "POST" else request.GET
    organisation_id = _int_or_none(data.get("organisation"))
    if organisation_id not in {organisation.pk for organisation in organisations}:
        organisation_id = None
    candidates = _member_candidates(meeting, organisation_id)
    form = MemberForm(
        request.POST or None,
        initial={"organisation": organisation_id},
        organisation_choices=[(o.pk, o.name) for o in organisations],
        user_choices=[(candidate.pk, candidate.display_name) for candidate in candidates],
    )
    if request.method == "POST" and form.is_valid():
        chosen = next(c for c in candidates if c.pk == form.cleaned_data["user"])
        try:
            member_add(meeting=meeting, user=chosen, by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{chosen.display_name}さんを参加者に追加しました。")
            return redirect("meeting_members", pk=meeting.pk)
    return render(
        request,
        "collaboration/meetings/meeting_members.html",
        {"meeting": meeting, "form": form, "organisation_id": organisation_id},
    )


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _member_candidates(meeting: Meeting, organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    already = [member.user_id for member in meeting.members.all()]
    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True)
        .exclude(pk__in=already)
        .prefetch_related("staff_roles")
        .order_by("display_name", "id")
    )


def agenda_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk, right=Right.EDIT_PERSONAL_DATA)
    if not participation_of(user, meeting).can_add_agenda:
        raise refuse(
            request, meeting, "not_a_member", "議題を加えられるのは会議の参加者と招集した機関です。"
        )
    form = AgendaItemForm(request.POST or None, case_choices=_agenda_case_choices(user, meeting))
    if request.method == "POST" and form.is_valid():
        case = get_for_user(
            user,
            Case.objects.select_related("person"),
            form.cleaned_data["case"],
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=("title", "person"),
        )
        try:
            agenda_add(
                meeting=meeting,
                case=case,
                material=form.cleaned_data["material"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "議題にケースを加えました。")
            return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request, "collaboration/meetings/agenda_form.html", {"meeting": meeting, "form": form}
    )


def _agenda_case_choices(user: User, meeting: Meeting) -> list[tuple[int, str]]:
    """The open cases of the user's own organisation not yet on the agenda."""
    cases = list(
        visible_to(user, Case.objects.exclude(stage=Stage.CLOSED))
        .filter(organisation_id=own_organisation_id(user))
        .exclude(agenda_items__meeting=meeting)
        .select_related("person")
        .prefetch_related("person__team")
        .order_by("-opened_on", "-id")[:CASE_CHOICES_LIMIT]
    )
    hidden = hidden_person_ids(user, [case.person for case in cases])
    return [
        (
            case.pk,
            f"ケース #{case.pk}（制限対象者）" if case.person_id in hidden else case.title,
        )
        for case in cases
    ]


def agenda_material(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk)
    material = agenda_material_for(user, meeting, item_pk, request=request)
    item, case, basis = material.item, material.item.case, material.basis
    if basis is None:
        hidden = hidden_person_ids(user, [case.person])
        person_label = _own_person_label(case, hidden)
        title = f"ケース #{case.pk}（制限対象者）" if case.person_id in hidden else case.title
        basis_label = ""
    else:
        person_label = _disclosed_person_label(case, shows_identity=basis.shows_identity)
        title = case.title if basis.shows_identity else f"{case.organisation.name}のケース"
        basis_label = basis.label
    return render(
        request,
        "collaboration/meetings/agenda_material.html",
        {
            "meeting": meeting,
            "item": item,
            "title": title,
            "person_label": person_label,
            "basis_label": basis_label,
        },
    )


def _own_person_label(case: Case, hidden: set[int]) -> str:
    person = case.person
    if person is None:
        return f"世帯: {case.household}"
    return person.restricted_label if person.pk in hidden else str(person)


def _disclosed_person_label(case: Case, *, shows_identity: bool) -> str:
    person = case.person
    if person is None:
        return f"世帯: {case.household}" if shows_identity else "世帯（氏名非開示）"
    if shows_identity:
        return str(person)
    return "制限対象者" if person.is_restricted else "本人（氏名非開示）"


def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    right = Right.EDIT_PERSONAL_DATA if request.method == "POST" else Right.VIEW_PERSONAL_DATA
    member = (
        MeetingMember.objects.select_related("meeting").filter(meeting_id=pk, user=user).first()
    )
    granted = member is not None and not Participation(user, member.meeting, member).blocked
    meeting = load_meeting(request, pk, right=right, fields=("minutes",) if granted else ())
    if member is None:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            obj=meeting,
            detail={"reason": "not_a_participant", "fields": ["minutes"]},
        )
        raise Http404(NOT_A_PARTICIPANT)
    if not granted:
        messages.info(request, ACKNOWLEDGE_FIRST)
        return redirect("meeting_detail", pk=meeting.pk)
    form = MinutesForm(
        request.POST or None, initial={"minutes": meeting.minutes, "version": meeting.version}
    )
    saved_minutes = None
    if request.method == "POST" and form.is_valid():
        try:
            minutes_save(
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                version=form.cleaned_data["version"],
                by=user,
                request=request,
            )
        except StaleVersionError as error:
            current = Meeting.objects.get(pk=meeting.pk)
            data = request.POST.copy()
            data["version"] = str(current.version)
            form = MinutesForm(data)
            form.is_valid()
            form.add_error(None, str(error))
            saved_minutes = current.minutes
        else:
            messages.success(request, "議事録を保存しました。")
            return redirect("meeting_minutes", pk=meeting.pk)
    return render(
        request,
        "collaboration/meetings/minutes_form.html",
        {"meeting": meeting, "form": form, "saved_minutes": saved_minutes},
    )


def _recording_meeting(request: HttpRequest, pk: int) -> tuple[Meeting, list[AgendaRow]]:
    user = request_user(request)
    meeting = load_meeting(request, pk, right=Right.EDIT_PERSONAL_DATA)
    participation = participation_of(user, meeting)
    if not participation.can_record:
        message = (
            ACKNOWLEDGE_FIRST
            if participation.blocked
            else "決定事項とアクション項目を記録できるのは、会議の参加者と招集した機関です。"
        )
        raise refuse(request, meeting, "not_a_participant", message)
    return meeting, agenda_rows(user, agenda_items(meeting))


def _agenda_case(rows: list[AgendaRow], case_id: int | None) -> Case | None:
    return next((row.item.case for row in rows if row.item.case_id == case_id), None)


def decision_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting, rows = _recording_meeting(request, pk)
    form = DecisionForm(
        request.POST or None, case_choices=[(row.item.case_id, row.label) for row in rows]
    )
    if request.method == "POST" and form.is_valid():
        try:
            decision = decision_add(
                meeting=meeting,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                case=_agenda_case(rows, form.cleaned_data["case"]),
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            note = f"（{decision.plan}を承認済みにしました）" if decision.plan is not None else ""
            messages.success(
                request, f"決定事項「{decision.get_kind_display()}」を記録しました{note}。"
            )
            return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request, "collaboration/meetings/decision_form.html", {"meeting": meeting, "form": form}
    )


def action_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    meeting, rows = _recording_meeting(request, pk)
    members = {member.user_id: member.user for member in meeting.members.all()}
    form = ActionItemForm(
        request.POST or None,
        owner_choices=[
            (
                member.pk,
                f"{member.display_name}（{member.organisation}）",
            )
            for member in members.values()
        ],
        case_choices=[(row.item.case_id, row.label) for row in rows],
    )
    if request.method == "POST" and form.is_valid():
        try:
            action = action_add(
                meeting=meeting,
                title=form.cleaned_data["title"],
                owner=members[form.cleaned_data["owner"]],
                due_on=form.cleaned_data["due_on"],
                case=_agenda_case(rows, form.cleaned_data["case"]),
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request, f"アクション項目「{action.title}」を{action.owner}さんに割り当てました。"
            )
            return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request, "collaboration/meetings/action_form.html", {"meeting": meeting, "form": form}
    )


@require_POST
def action_mark_done(request: HttpRequest, pk: int, action_pk: int) -> HttpResponse:
    user = request_user(request)
    meeting = load_meeting(request, pk, right=Right.EDIT_PERSONAL_DATA)
    action = ActionItem.objects.filter(meeting=meeting, pk=action_pk).first()
    if action is None:
        raise Http404("該当する記録がありません。")
    if action.owner_id != user.pk and not participation_of(user, meeting).can_record:
        raise refuse(request, action, "not_owner", "完了にできるのは担当者と会議の参加者です。")
    try:
        action_done(action=action, by=user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"「{action.title}」を完了にしました。")
    if request.POST.get("next") == "watch":
        return redirect("watch_list")
    return redirect("meeting_detail", pk=meeting.pk)
