"""Sharing with other organisations (rule 1b of `accounts.access`): the legal bases.

A worker of another organisation sees part of a case — read only, on the shared pages, never the
case's own pages — only while a legal basis holds. The bases are one registry (`BASES`): each kind
names its Japanese label, the legal text shown in the disclosure record, and the function that
finds the bases of that kind for a user and a case. Adding a basis means one entry here and its
tests. A restricted person's identity is shown to another organisation only under a consent that
covers 基本情報. Every view on a basis is written to the audit log as a disclosure (`disclose`)
naming the basis; the person's disclosure record (開示記録) is read from those rows.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.access import audit_out_of_scope, is_active_staff, own_organisation_id
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record

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
    if not is_active_staff(user) or case.organisation_id == user.organisation_id:
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
    if not is_active_staff(user) or case.organisation_id == user.organisation_id:
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
        audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。")
    for basis in bases:
        audit_disclosure(user, basis=basis, obj=case, person_id=case.person_id, request=request)
    return case, bases
