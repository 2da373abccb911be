"""Access functions: the only way to load a record that holds personal data.

Rules, in the order they are applied:
1. Scope. A record is visible to a user when it belongs to the user's own organisation; a
   meeting also to its members, an advice request also to the centre it was sent to
   (`_visibility`). A record outside the scope answers 404 — the same as a record that does not
   exist — so that nobody learns which records other offices hold.
1b. Sharing (多機関協働). A worker of another organisation sees part of a case — read only, on
   the shared pages, never the case's own pages — only while a legal basis holds
   (`case_sharing_bases`, `agenda_material_basis`):
   - the person's valid consent covering the worker's organisation, for a worker on the case
     team, limited to the kinds of information the consent names;
   - an accepted referral to the worker's organisation, until it ends plus
     REFERRAL_ACCESS_GRACE_DAYS (基本情報 and 相談内容);
   - membership of a 支援会議 with the case on its agenda, after acknowledging confidentiality,
     for that meeting's material only, until SUPPORT_MEETING_MATERIAL_DAYS after the meeting
     (社会福祉法 第106条の6, 生活困窮者自立支援法 第9条: lawful without consent).
   A restricted person's identity is shown to another organisation only under a consent that
   covers 基本情報. Every such view is written to the audit log as a disclosure (`disclose`)
   naming its basis, and the person's disclosure record (開示記録) is read from those rows.
1c. Supporters. A supporter's login (often of a contracted NPO, not the dispatching office) sees
   only the dispatches of the registration linked to it, and only the fields a supporter needs
   (`get_own_dispatch`, `list_own_dispatches`); any other dispatch is 404, audited.
2. Right. A visible record still needs the right for the action (`accounts.roles`); a missing
   right answers 403.
3. Audit. Every granted read or write of personal data, and every refusal, is written to the
   audit log with ids and field names only.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record, object_type_of


def _visibility(user: User, model: type[Model]) -> Q:
    """The condition that makes a record of `model` visible to `user`."""
    if not _is_active_staff(user):
        return Q(pk__in=[])
    organisation_field = getattr(model, "ACCESS_ORGANISATION_FIELD", None)
    if organisation_field is None:
        raise ImproperlyConfigured(f"{model.__name__} does not name its ACCESS_ORGANISATION_FIELD")
    own = Q(**{organisation_field: user.organisation_id})
    label = model._meta.label_lower
    if label == "collaboration.meeting":
        from collaboration.models import MeetingMember

        return own | Q(pk__in=MeetingMember.objects.filter(user=user).values("meeting_id"))
    if label == "collaboration.advicerequest":
        return own | Q(centre_id=user.organisation_id)
    return own


def _is_active_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id is not None)


def visible_to[M: Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Scope a queryset to the records `user` may know exist (no right is checked)."""
    return queryset.filter(_visibility(user, queryset.model))


def deny(
    user: User,
    *,
    right: Right | str,
    request: HttpRequest | None = None,
    obj: Model | None = None,
    object_type: str = "",
) -> PermissionDenied:
    """Audit a refusal and return the 403 exception for the caller to raise."""
    audit_record(
        action=AuditEvent.Action.DENIED,
        actor=user,
        request=request,
        obj=obj,
        object_type=object_type,
        detail={"reason": "missing_right", "right": str(right)},
    )
    return PermissionDenied(f"この操作の権限がありません（{Right(right).label}）。")


def own_organisation_id(user: User) -> int:
    """The organisation new records of `user` belong to; staff without one may not create any."""
    if user.organisation_id is None:
        raise PermissionDenied("所属機関が設定されていません。管理者に連絡してください。")
    return user.organisation_id


def require_right(user: User, right: Right, *, request: HttpRequest | None = None) -> None:
    """403 unless `user` holds `right`; for pages that show no single record."""
    if not user.has_right(right):
        raise deny(user, right=right, request=request, object_type=request.path if request else "")


def get_for_user[M: Model](
    user: User,
    queryset: QuerySet[M],
    pk: Any,
    *,
    right: Right,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
) -> M:
    """Fetch one record and authorise `user` for `right` on it, or raise 404 / 403.

    The read is audited with the field names given; services audit the writes.
    """
    try:
        obj = visible_to(user, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        _audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。") from None
    if not user.has_right(right):
        raise deny(user, right=right, request=request, obj=obj)
    audit_record(action=AuditEvent.Action.READ, actor=user, request=request, obj=obj, fields=fields)
    return obj


def list_for_user[M: Model](
    user: User,
    queryset: QuerySet[M],
    *,
    right: Right,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
) -> list[M]:
    """The visible records of a list, authorised and audited as one read naming their ids."""
    if not user.has_right(right):
        raise deny(user, right=right, request=request, object_type=object_type_of(queryset.model))
    records = list(visible_to(user, queryset))
    audit_list_read(user, records, model=queryset.model, request=request, fields=fields)
    return records


def audit_list_read(
    user: User,
    records: list[Any],
    *,
    model: type[Model],
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
    also: dict[str, list[int]] | None = None,
) -> None:
    """One audit row for a list or search result shown to `user`, naming the ids shown.

    `also` names the ids of other kinds of record shown on the same page, e.g.
    {"consultations.consultation": [...]}, so that one page view stays one row.
    """
    audit_record(
        action=AuditEvent.Action.READ,
        actor=user,
        request=request,
        object_type=object_type_of(model),
        fields=fields,
        detail={"ids": [record.pk for record in records], **(also or {})},
    )


def _audit_out_of_scope(
    user: User, queryset: QuerySet[Any], pk: Any, request: HttpRequest | None
) -> None:
    # A record that exists in another organisation is a denied attempt worth an audit row;
    # a record that does not exist at all is just a 404.
    try:
        exists = queryset.model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return
    if exists:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            object_type=object_type_of(queryset.model),
            object_id=pk,
            detail={"reason": "out_of_scope"},
        )


def identity_visible_q(user: User) -> Q:
    """Persons whose identity `user` may see: unrestricted ones, or restricted ones of their team.

    A restricted person (DV, abuse, family conflict) shows as 制限対象者 #id to everyone else, and
    is not found by name.
    """
    from people.models import Person

    team_of_user = Person.team.through.objects.filter(user=user).values("person_id")
    return Q(is_restricted=False) | Q(pk__in=team_of_user)


def can_see_identity(user: User, person: Any) -> bool:
    if not person.is_restricted:
        return True
    return any(member.pk == user.pk for member in person.team.all())


def hidden_person_ids(user: User, persons: list[Any]) -> set[int]:
    """Restricted persons among `persons` whose identity `user` may not see (制限対象者 #id)."""
    return {person.pk for person in persons if person and not can_see_identity(user, person)}


def require_identity(user: User, person: Any, *, request: HttpRequest | None = None) -> None:
    """403 for work that needs a restricted person's identity when `user` is not on the team."""
    if not can_see_identity(user, person):
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            obj=person,
            detail={"reason": "restricted_identity"},
        )
        raise PermissionDenied("制限対象者の記録です。担当チームの職員だけが扱えます。")


def persons_for_search[M: Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The persons `user` may find by name or reading."""
    return visible_to(user, queryset).filter(identity_visible_q(user))


def can_see_sensitive(user: User, case: Any) -> bool:
    """要配慮個人情報 (health, medical history) of a case: its lead worker and team only.

    Every view of it is audited by the caller with the sensitive field names.
    """
    return case.lead_worker_id == user.pk or any(member.pk == user.pk for member in case.team.all())


def request_user(request: HttpRequest) -> User:
    """The staff member of a page request (the login middleware lets no anonymous one through)."""
    return request.user  # type: ignore[return-value]


# ---- Sharing with other organisations (rule 1b) ----

BASIS_CONSENT = "consent"
BASIS_REFERRAL = "referral"
BASIS_MEETING = "meeting"

# What each basis opens when the basis itself names no kinds of information.
REFERRAL_INFO_KINDS = frozenset({"basic", "consultation"})
SUPPORT_MEETING_INFO_KINDS = frozenset({"basic", "consultation", "family"})


@dataclass(frozen=True)
class Basis:
    """The legal basis on which a worker of another organisation sees part of a case."""

    kind: str
    record_id: int
    info_kinds: frozenset[str]
    shows_identity: bool

    @property
    def label(self) -> str:
        return {
            BASIS_CONSENT: f"本人の同意（同意 #{self.record_id}）",
            BASIS_REFERRAL: f"つなぎの受入（つなぎ #{self.record_id}）",
            BASIS_MEETING: (
                f"支援会議（会議 #{self.record_id}・"
                "社会福祉法第106条の6／生活困窮者自立支援法第9条）"
            ),
        }[self.kind]


def valid_consents(person_id: int | None, *, today: date | None = None) -> list[Any]:
    """The person's consents in force today (withdrawn ones end at once)."""
    from collaboration.models import Consent

    if person_id is None:
        return []
    today = today or timezone.localdate()
    return list(
        Consent.objects.filter(
            person_id=person_id,
            withdrawn_at__isnull=True,
            given_on__lte=today,
            expires_on__gte=today,
        ).prefetch_related("organisations")
    )


def case_sharing_bases(user: User, case: Any, *, today: date | None = None) -> list[Basis]:
    """The bases on which `user` of another organisation may see `case` now (empty: none)."""
    if not _is_active_staff(user) or case.organisation_id == user.organisation_id:
        return []
    if not user.has_right(Right.VIEW_PERSONAL_DATA):
        return []
    today = today or timezone.localdate()
    bases = _consent_bases(user, case, today)
    bases += _referral_bases(user, case, today)
    return bases


def _consent_bases(user: User, case: Any, today: date) -> list[Basis]:
    if not any(member.pk == user.pk for member in case.team.all()):
        return []
    organisation = user.organisation
    assert organisation is not None
    return [
        _basis(BASIS_CONSENT, consent.pk, frozenset(consent.info_kinds), case, consented=True)
        for consent in valid_consents(case.person_id, today=today)
        if consent.covers_organisation(organisation)
    ]


def _referral_bases(user: User, case: Any, today: date) -> list[Basis]:
    from collaboration.models import Referral

    referrals = Referral.objects.filter(
        case=case, agency__organisation_id=own_organisation_id(user)
    ).prefetch_related("events")
    return [
        _basis(BASIS_REFERRAL, referral.pk, REFERRAL_INFO_KINDS, case, consented=False)
        for referral in referrals
        if referral_grants_access(referral, today)
    ]


def referral_grants_access(referral: Any, today: date) -> bool:
    """Accepted (or connected) and not ended, or ended within the grace period."""
    from collaboration.models import Referral

    S = Referral.State
    events = list(referral.events.all())
    was_accepted = referral.state in (S.ACCEPTED, S.CONNECTED) or any(
        event.state in (S.ACCEPTED, S.CONNECTED) for event in events
    )
    if not was_accepted:
        return False
    if referral.state not in (S.ENDED, S.FAILED):
        return True
    ended = max(
        (event.at for event in events if event.state == referral.state), default=timezone.now()
    )
    grace = timedelta(days=settings.REFERRAL_ACCESS_GRACE_DAYS)
    return timezone.localtime(ended).date() + grace >= today


def agenda_material_basis(user: User, item: Any, *, today: date | None = None) -> Basis | None:
    """The basis on which a member of another organisation sees an agenda item's material."""
    meeting, case = item.meeting, item.case
    if not _is_active_staff(user) or case.organisation_id == user.organisation_id:
        return None
    if not user.has_right(Right.VIEW_PERSONAL_DATA):
        return None
    member = next((m for m in meeting.members.all() if m.user_id == user.pk), None)
    if member is None:
        return None
    today = today or timezone.localdate()
    if meeting.is_statutory:
        return _support_meeting_basis(member, meeting, case, today)
    if meeting.kind in meeting.INTERNAL_KINDS:
        return None
    consents = valid_consents(case.person_id, today=today)
    organisation = user.organisation
    assert organisation is not None
    for consent in consents:
        allowed = (
            consent.pk == item.consent_id and consent.allows_multiagency_meeting
            if meeting.requires_consent
            else consent.covers_organisation(organisation)
        )
        if allowed:
            return _basis(BASIS_CONSENT, consent.pk, frozenset(consent.info_kinds), case, True)
    return None


def _support_meeting_basis(member: Any, meeting: Any, case: Any, today: date) -> Basis | None:
    if member.confidentiality_acknowledged_at is None:
        return None
    open_until = timezone.localtime(meeting.held_at).date() + timedelta(
        days=settings.SUPPORT_MEETING_MATERIAL_DAYS
    )
    if today > open_until:
        return None
    return _basis(BASIS_MEETING, meeting.pk, SUPPORT_MEETING_INFO_KINDS, case, consented=False)


def _basis(
    kind: str, record_id: int, info_kinds: frozenset[str], case: Any, consented: bool
) -> Basis:
    person = case.person
    restricted = person is not None and person.is_restricted
    shows_identity = "basic" in info_kinds and (consented or not restricted)
    return Basis(kind, record_id, info_kinds, shows_identity)


def audit_disclosure(
    user: User,
    *,
    basis: Basis,
    obj: Model,
    person_id: int | None,
    request: HttpRequest | None = None,
    info_kinds: frozenset[str] | None = None,
) -> None:
    """Log one disclosure to another organisation, with its legal basis (the 開示記録)."""
    audit_record(
        action=AuditEvent.Action.DISCLOSE,
        actor=user,
        request=request,
        obj=obj,
        subject=disclosure_subject(person_id) if person_id else "",
        detail={
            "basis": basis.kind,
            "basis_id": basis.record_id,
            "info_kinds": sorted(info_kinds if info_kinds is not None else basis.info_kinds),
            "identity": basis.shows_identity,
        },
    )


def disclosure_subject(person_id: int) -> str:
    """The audit `subject` that files a disclosure under the person (indexed with the action)."""
    return f"person:{person_id}"


def shared_case_for_user[M: Model](
    user: User, queryset: QuerySet[M], pk: Any, *, request: HttpRequest | None = None
) -> tuple[M, list[Basis]]:
    """A case of another organisation and the bases on which `user` sees it now, or 404.

    The case of the user's own organisation comes back with no bases (the caller shows the case's
    own page). Each basis used is logged as a disclosure.
    """
    try:
        case: Any = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        case = None
    if case is not None and case.organisation_id == user.organisation_id:
        return case, []
    bases = case_sharing_bases(user, case) if case is not None else []
    if not bases:
        _audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。")
    for basis in bases:
        audit_disclosure(user, basis=basis, obj=case, person_id=case.person_id, request=request)
    return case, bases


# ---- Supporters' own dispatches (rule 1c) ----

# What a supporter is shown of a dispatch: no case, no person, no address beyond the meeting point.
SUPPORTER_VIEW_FIELDS = (
    "kind",
    "starts_at",
    "ends_at",
    "meeting_point",
    "display_name",
    "briefing",
    "worker",
    "contact_phone",
    "state",
)


def own_dispatches(user: User) -> QuerySet[Any]:
    from supporters.models import Dispatch

    return (
        Dispatch.objects.filter(supporter__user=user, supporter__user__is_active=True)
        .select_related("worker", "organisation", "report")
        .order_by("-starts_at", "-id")
    )


def list_own_dispatches(user: User, *, request: HttpRequest | None = None) -> list[Any]:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    dispatches = list(own_dispatches(user))
    model = own_dispatches(user).model
    audit_list_read(user, dispatches, model=model, request=request, fields=SUPPORTER_VIEW_FIELDS)
    return dispatches


def get_own_dispatch(
    user: User,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = SUPPORTER_VIEW_FIELDS,
) -> Any:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    queryset = own_dispatches(user)
    try:
        dispatch = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        _audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。") from None
    audit_record(
        action=AuditEvent.Action.READ, actor=user, request=request, obj=dispatch, fields=fields
    )
    return dispatch
