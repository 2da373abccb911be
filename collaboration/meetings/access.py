"""Who sees what of a meeting (rule 1b of `accounts.access`, for meetings).

- the meeting: staff of the convening organisation and its members (`Meeting.visible_q`);
  others 404;
- the agenda, decisions and action items: members past the confidentiality step and the convener;
- an agenda item's material: staff of the case's own organisation; a member of another
  organisation only on the basis `agenda_material_basis` gives (支援会議: after acknowledging
  confidentiality; 重層的支援会議: while the item's consent holds), each view logged as a
  disclosure; without a basis 404, audited;
- the minutes (非公開): the participants only, even within the convening organisation.
"""

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest

from accounts.access import (
    get_for_user,
    request_user,
)
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from collaboration.models import AgendaItem, Meeting, MeetingMember
from collaboration.sharing.access import Basis, agenda_material_basis, audit_disclosure

SUMMARY_FIELDS = ("kind", "title", "held_at", "place", "online", "members")
NOT_A_PARTICIPANT = "議事録は会議の参加者だけが閲覧できます。"


ACKNOWLEDGE_FIRST = "守秘義務を確認すると、議題の資料と議事録を閲覧できます。"


@dataclass(frozen=True)
class Participation:
    """How `user` stands to a meeting: member or not, of the convening organisation or not."""

    user: User
    meeting: Meeting
    member: MeetingMember | None

    @property
    def same_organisation(self) -> bool:
        return self.user.organisation_id == self.meeting.organisation_id

    @property
    def acknowledgement_pending(self) -> bool:
        """A 支援会議 member who has not yet acknowledged confidentiality (asked of everyone)."""
        return (
            self.member is not None
            and self.meeting.is_statutory
            and self.member.confidentiality_acknowledged_at is None
        )

    @property
    def blocked(self) -> bool:
        """A member of another organisation waiting at the confidentiality step sees nothing."""
        return self.acknowledgement_pending and not self.same_organisation

    @property
    def sees_minutes(self) -> bool:
        return self.member is not None and not self.blocked

    @property
    def sees_record(self) -> bool:
        """The agenda, decisions and action items."""
        return self.sees_minutes or self.same_organisation

    @property
    def can_convene(self) -> bool:
        return self.same_organisation and self.user.has_right(Right.CONVENE_MEETINGS)

    @property
    def can_record(self) -> bool:
        """Decisions and action items: participants (past the step) and the convener's office."""
        return self.user.has_right(Right.EDIT_PERSONAL_DATA) and (
            self.sees_minutes or self.can_convene
        )

    @property
    def can_add_agenda(self) -> bool:
        return self.user.has_right(Right.EDIT_PERSONAL_DATA) and (
            self.member is not None or self.can_convene
        )


def participation_of(user: User, meeting: Meeting) -> Participation:
    member = next((m for m in meeting.members.all() if m.user_id == user.pk), None)
    return Participation(user, meeting, member)


def meeting_queryset() -> QuerySet[Meeting]:
    return Meeting.objects.select_related("organisation__local_government").prefetch_related(
        Prefetch(
            "members",
            queryset=MeetingMember.objects.select_related("user__organisation").order_by("id"),
        )
    )


def load_meeting(
    request: HttpRequest,
    pk: int,
    *,
    right: Right = Right.VIEW_PERSONAL_DATA,
    fields: tuple[str, ...] = SUMMARY_FIELDS,
) -> Meeting:
    """The meeting for `request.user`: 404 unless of their organisation or a member, 403
    without the right."""
    return get_for_user(
        request_user(request), meeting_queryset(), pk, right=right, request=request, fields=fields
    )


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    items = list(
        AgendaItem.objects.filter(meeting=meeting)
        .select_related("case__person", "case__household", "case__organisation")
        .prefetch_related("case__person__team")
        .order_by("id")
    )
    for item in items:
        item.meeting = meeting  # reuse the members already loaded
    return items


@dataclass(frozen=True)
class AgendaMaterial:
    """An agenda item's material as `user` may see it: own case (no basis) or on a basis."""

    item: AgendaItem
    basis: Basis | None


def agenda_material_for(
    user: User, meeting: Meeting, item_pk: int, *, request: HttpRequest | None = None
) -> AgendaMaterial:
    """The material of one agenda item of a meeting `user` may see, or 404 — audited either way.

    Staff of the case's own organisation read it (an audited read); a member of another
    organisation only on a basis (an audited disclosure naming it); anyone else gets 404, audited
    as a refusal.
    """
    item = next((i for i in agenda_items(meeting) if i.pk == item_pk), None)
    if item is None:
        raise Http404("該当する記録がありません。")
    case = item.case
    if case.organisation_id == user.organisation_id:
        audit_record(
            action=AuditEvent.Action.READ,
            actor=user,
            request=request,
            obj=item,
            fields=["material", "case"],
        )
        return AgendaMaterial(item, None)
    basis = agenda_material_basis(user, item)
    if basis is None:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            obj=item,
            detail={"reason": "no_sharing_basis", "meeting": meeting.pk},
        )
        raise Http404("該当する記録がありません。")
    audit_disclosure(user, basis=basis, obj=item, person_id=case.person_id, request=request)
    return AgendaMaterial(item, basis)
