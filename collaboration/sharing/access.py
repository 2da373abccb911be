"""Sharing with other organisations (rule 1b of `accounts.access`): the legal bases.

A worker of another organisation sees part of a case — read only, on the shared pages, never the
case's own pages — only while a legal basis holds. The bases are one registry (`BASES`): each kind
names its Japanese label, the legal text shown in the disclosure record, and the function that
finds the bases of that kind for a user and a case. Adding a basis means one entry here and its
tests. A restricted person's identity is shown to another organisation only under a consent that
covers 基本情報. Every view on a basis is written to the audit log as a disclosure (`disclose`)
naming the basis; the person's disclosure record (開示記録) is read from those rows.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.access import audit_out_of_scope, is_active_staff, own_organisation_id
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import AuditEntry, audit_records
from cases.models import Case
from collaboration.models import AgendaItem, Consent, InfoKind, Meeting, Referral
from tsunagu.dates import wareki

BASIS_CONSENT = "consent"
BASIS_REFERRAL = "referral"
BASIS_MEETING = "meeting"
# A referral made to the worker's organisation, with the person's consent to be connected: its
# receiver sees who is referred, why, and by whom — not the case until the referral is accepted.
BASIS_REFERRAL_RECEIVED = "referral_received"
SUPPORT_MEETING_LAW = "社会福祉法第106条の6／生活困窮者自立支援法第9条"

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
        return BASES[self.kind].label(self.record_id)


# Finds the bases of one kind for a user and several cases at once: {case id: [bases]}.
CaseBasesFinder = Callable[[User, list[Case], date], dict[int, list[Basis]]]


@dataclass(frozen=True)
class BasisKind:
    """One legal basis for sharing, as every rule, page and record reads it.

    `find` and `candidates` are set for the bases that open a case (the shared pages); a basis
    that opens only a meeting's material has neither (`agenda_material_bases` reads it).
    """

    key: str
    name: str
    law: str
    opens: str  # what the basis opens, in words (the authorization matrix prints it)
    record_model: type[Model]
    # What the disclosure record loads of the granting record, and how it describes it.
    record_fields: tuple[str, ...]
    describe: Callable[[Any, int], str]
    find: CaseBasesFinder | None = None
    candidates: Callable[[User], Q] | None = None

    def label(self, record_id: int) -> str:
        law = f"・{self.law}" if self.law else ""
        return f"{self.name}（{self.record_model._meta.verbose_name} #{record_id}{law}）"


def consents_in_force(person_ids: Iterable[int], today: date) -> dict[int, list[Consent]]:
    """The consents in force today of several persons, in two queries (withdrawn: ended)."""
    by_person: dict[int, list[Consent]] = defaultdict(list)
    ids = {person_id for person_id in person_ids if person_id is not None}
    if not ids:
        return by_person
    consents = (
        Consent.objects.filter(
            person_id__in=ids,
            withdrawn_at__isnull=True,
            given_on__lte=today,
            expires_on__gte=today,
        )
        .prefetch_related("organisations")
        .order_by("id")
    )
    for consent in consents:
        by_person[consent.person_id].append(consent)
    return by_person


def valid_consents(person_id: int | None, *, today: date | None = None) -> list[Consent]:
    """The person's consents in force today."""
    if person_id is None:
        return []
    return consents_in_force([person_id], today or timezone.localdate()).get(person_id, [])


def sharing_bases(
    user: User, cases: list[Case], *, today: date | None = None
) -> dict[int, list[Basis]]:
    """The bases on which `user` of another organisation may see each of `cases` now.

    A fixed number of queries whatever the number of cases (the cases' teams and persons loaded).
    """
    if not is_active_staff(user) or not user.has_right(Right.VIEW_PERSONAL_DATA):
        return {}
    others = [case for case in cases if case.organisation_id != user.organisation_id]
    if not others:
        return {}
    today = today or timezone.localdate()
    found: dict[int, list[Basis]] = defaultdict(list)
    for kind in BASES.values():
        if kind.find is not None:
            for case_id, bases in kind.find(user, others, today).items():
                found[case_id] += bases
    return dict(found)


def case_sharing_bases(user: User, case: Case, *, today: date | None = None) -> list[Basis]:
    """The bases on which `user` of another organisation may see `case` now (empty: none)."""
    return sharing_bases(user, [case], today=today).get(case.pk, [])


def sharing_candidates(user: User) -> Q:
    """Cases of other organisations that may carry a basis for `user` (checked by the rules)."""
    condition = Q(pk__in=[])
    for kind in BASES.values():
        if kind.candidates is not None:
            condition |= kind.candidates(user)
    return condition


def _consent_bases(user: User, cases: list[Case], today: date) -> dict[int, list[Basis]]:
    """The person's consent covering the worker's organisation, for a worker on the case team."""
    on_team = [case for case in cases if any(m.pk == user.pk for m in case.team.all())]
    consents = consents_in_force((case.person_id for case in on_team if case.person_id), today)
    organisation = user.organisation
    assert organisation is not None
    return {
        case.pk: [
            _basis(BASIS_CONSENT, consent.pk, frozenset(consent.info_kinds), case, consented=True)
            for consent in consents.get(case.person_id or 0, [])
            if consent.covers_organisation(organisation)
        ]
        for case in on_team
    }


def _referral_bases(user: User, cases: list[Case], today: date) -> dict[int, list[Basis]]:
    """An accepted referral to the worker's organisation, until it ends plus the grace days."""
    by_pk = {case.pk: case for case in cases}
    referrals = (
        Referral.objects.filter(
            case__in=list(by_pk), agency__organisation_id=own_organisation_id(user)
        )
        .prefetch_related("events")
        .order_by("id")
    )
    found: dict[int, list[Basis]] = defaultdict(list)
    for referral in referrals:
        if referral.case_id is not None and referral_grants_access(referral, today):
            case = by_pk[referral.case_id]
            found[case.pk].append(
                _basis(BASIS_REFERRAL, referral.pk, REFERRAL_INFO_KINDS, case, consented=False)
            )
    return found


def referral_grants_access(referral: Referral, today: date) -> bool:
    """Accepted (or connected) and not ended, or ended within the grace period."""
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


def agenda_material_bases(
    user: User, items: list[AgendaItem], *, today: date | None = None
) -> dict[int, Basis | None]:
    """The basis on which `user`, a member of another organisation, sees each item's material.

    The items' meeting (with its members), cases and persons are loaded by the caller; the
    consents of all the items are read at once, so a meeting of ten items costs what one does.
    """
    if not is_active_staff(user) or not user.has_right(Right.VIEW_PERSONAL_DATA):
        return {item.pk: None for item in items}
    today = today or timezone.localdate()
    others = [item for item in items if item.case.organisation_id != user.organisation_id]
    consents = consents_in_force(
        (item.case.person_id for item in others if item.case.person_id), today
    )
    bases: dict[int, Basis | None] = {item.pk: None for item in items}
    for item in others:
        bases[item.pk] = _agenda_item_basis(
            user, item, consents.get(item.case.person_id or 0, []), today
        )
    return bases


def agenda_material_basis(
    user: User, item: AgendaItem, *, today: date | None = None
) -> Basis | None:
    """The basis on which a member of another organisation sees one agenda item's material."""
    return agenda_material_bases(user, [item], today=today)[item.pk]


def _agenda_item_basis(
    user: User, item: AgendaItem, consents: list[Consent], today: date
) -> Basis | None:
    meeting, case = item.meeting, item.case
    member = next((m for m in meeting.members.all() if m.user_id == user.pk), None)
    if member is None:
        return None
    if meeting.is_statutory:
        return _support_meeting_basis(member.confidentiality_acknowledged_at, meeting, case, today)
    if meeting.kind in meeting.INTERNAL_KINDS:
        return None
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


def _support_meeting_basis(
    acknowledged_at: Any, meeting: Meeting, case: Case, today: date
) -> Basis | None:
    """支援会議: lawful without consent, after acknowledging confidentiality, for a time."""
    if acknowledged_at is None:
        return None
    open_until = timezone.localtime(meeting.held_at).date() + timedelta(
        days=settings.SUPPORT_MEETING_MATERIAL_DAYS
    )
    if today > open_until:
        return None
    return _basis(BASIS_MEETING, meeting.pk, SUPPORT_MEETING_INFO_KINDS, case, consented=False)


def _basis(
    kind: str, record_id: int, info_kinds: frozenset[str], case: Case, consented: bool
) -> Basis:
    person = case.person
    restricted = person is not None and person.is_restricted
    shows_identity = "basic" in info_kinds and (consented or not restricted)
    return Basis(kind, record_id, info_kinds, shows_identity)


# How the disclosure record describes each granting record (None: it no longer exists).


def _describe_consent(consent: Consent | None, record_id: int) -> str:
    if consent is None:
        return f"本人の同意 #{record_id}"
    who = "本人" if consent.given_by == Consent.GivenBy.PERSON else "保護者・成年後見人等"
    return f"{who}の同意 #{record_id}（同意日 {wareki(consent.given_on)}）"


def _describe_referral(referral: Referral | None, record_id: int) -> str:
    if referral is None:
        return f"つなぎの受入 #{record_id}"
    return f"つなぎの受入 #{record_id}（つないだ日 {wareki(referral.referred_on)}）"


def _describe_referral_received(referral: Referral | None, record_id: int) -> str:
    if referral is None:
        return f"つなぎ先としての確認 #{record_id}"
    return f"つなぎ先としての確認 #{record_id}（つないだ日 {wareki(referral.referred_on)}）"


def _describe_meeting(meeting: Meeting | None, record_id: int) -> str:
    held = f"（{wareki(timezone.localtime(meeting.held_at).date())}開催）" if meeting else ""
    return f"支援会議 #{record_id}{held} — {SUPPORT_MEETING_LAW}"


def _on_team(user: User) -> Q:
    return Q(team=user)


def _referred_to_own_organisation(user: User) -> Q:
    return Q(referrals__agency__organisation_id=own_organisation_id(user))


BASES: dict[str, BasisKind] = {
    kind.key: kind
    for kind in (
        BasisKind(
            key=BASIS_CONSENT,
            name="本人の同意",
            law="",
            opens="共有ケースの画面（担当チームとして）、重層的支援会議・支援調整会議の議題資料",
            record_model=Consent,
            record_fields=("given_by", "given_on"),
            describe=_describe_consent,
            find=_consent_bases,
            candidates=_on_team,
        ),
        BasisKind(
            key=BASIS_REFERRAL,
            name="つなぎの受入",
            law="",
            opens="共有ケースの画面（受入からつなぎの終了後の猶予期間まで）",
            record_model=Referral,
            record_fields=("referred_on",),
            describe=_describe_referral,
            find=_referral_bases,
            candidates=_referred_to_own_organisation,
        ),
        BasisKind(
            key=BASIS_REFERRAL_RECEIVED,
            name="つなぎ先としての確認",
            law="",
            opens="受け取ったつなぎの画面（つなぐ人の名前・目的・つないだ機関と職員・日付）",
            record_model=Referral,
            record_fields=("referred_on",),
            describe=_describe_referral_received,
        ),
        BasisKind(
            key=BASIS_MEETING,
            name="支援会議",
            law=SUPPORT_MEETING_LAW,
            opens="支援会議の議題資料（守秘義務の確認後、会議の日から一定期間）",
            record_model=Meeting,
            # Not the minutes: they are encrypted and not the person's business here.
            record_fields=("held_at",),
            describe=_describe_meeting,
        ),
    )
}


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
    audit_disclosures(user, [(basis, obj, person_id)], request=request, info_kinds=info_kinds)


def audit_disclosures(
    user: User,
    disclosures: list[tuple[Basis, Model, int | None]],
    *,
    request: HttpRequest | None = None,
    info_kinds: frozenset[str] | None = None,
) -> None:
    """Log several disclosures (basis, record shown, its person) as one append to the chain."""
    audit_records(
        [
            AuditEntry(
                action=AuditEvent.Action.DISCLOSE,
                actor=user,
                request=request,
                obj=obj,
                subject=disclosure_subject(person_id) if person_id else "",
                detail={
                    "basis": basis.kind,
                    "basis_id": basis.record_id,
                    "info_kinds": sorted(
                        info_kinds if info_kinds is not None else basis.info_kinds
                    ),
                    "identity": basis.shows_identity,
                },
            )
            for basis, obj, person_id in disclosures
        ]
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


# ---- Referrals received (つなぎを受け取った機関) ----


def received_referral_identities(
    referrals: list[Referral], *, today: date | None = None
) -> dict[int, bool]:
    """Whether the receiver of each referral sees the person's name: always, unless the person
    is restricted; a restricted person's name only under a consent in force that covers 基本情報
    and the receiving organisation (the persons' consents read at once)."""
    today = today or timezone.localdate()
    restricted = [referral for referral in referrals if referral.person.is_restricted]
    consents = consents_in_force((referral.person_id for referral in restricted), today)
    shows = {referral.pk: True for referral in referrals}
    for referral in restricted:
        receiver = referral.agency.organisation
        shows[referral.pk] = receiver is not None and any(
            InfoKind.BASIC.value in consent.info_kinds and consent.covers_organisation(receiver)
            for consent in consents.get(referral.person_id, [])
        )
    return shows


def received_referral_basis(referral: Referral, *, shows_identity: bool) -> Basis:
    """The basis on which the receiving organisation sees a referral made to it."""
    return Basis(BASIS_REFERRAL_RECEIVED, referral.pk, REFERRAL_INFO_KINDS, shows_identity)


def audit_received_referrals(
    user: User,
    referrals: list[Referral],
    identities: dict[int, bool],
    *,
    request: HttpRequest | None = None,
    info_kinds: frozenset[str] | None = None,
) -> None:
    """Log each referral shown to its receiver as a disclosure filed under the person."""
    audit_disclosures(
        user,
        [
            (
                received_referral_basis(referral, shows_identity=identities[referral.pk]),
                referral,
                referral.person_id,
            )
            for referral in referrals
        ],
        request=request,
        info_kinds=info_kinds,
    )
