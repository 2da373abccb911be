"""The disclosure record (開示記録) of a person: every time another organisation saw their
information, read back from the audit log.

Each disclosure is an audit row (`accounts.access.audit_disclosure`) with the action `disclose`,
the subject `person:<id>` and its legal basis in `detail`; an index covers action and subject, so
the record is one query however long the log grows. Records merged into the person keep their
own rows, and are included.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.models import Organisation
from audit.models import AuditEvent
from collaboration.models import Consent, InfoKind, Meeting, Referral
from collaboration.sharing.access import (
    BASIS_CONSENT,
    BASIS_MEETING,
    BASIS_REFERRAL,
    disclosure_subject,
)
from people.models import Person
from tsunagu.dates import wareki

SUPPORT_MEETING_LAW = "社会福祉法第106条の6／生活困窮者自立支援法第9条"
UNKNOWN = "（不明）"
BASES = (BASIS_CONSENT, BASIS_REFERRAL, BASIS_MEETING)


@dataclass(frozen=True)
class Disclosure:
    """One disclosure, as the person is told about it."""

    event_id: int
    at: datetime
    organisation: str
    staff: str
    info_kinds: list[str]
    basis: str
    record: str
    identity: bool

    @property
    def at_text(self) -> str:
        local = timezone.localtime(self.at)
        return f"{wareki(local.date())} {local:%H:%M}"


def person_ids_of(person: Person) -> list[int]:
    """The person and every record merged into them, directly or through another merge."""
    ids = [person.pk]
    frontier = [person.pk]
    while frontier:
        frontier = list(
            Person.objects.filter(merged_into_id__in=frontier)
            .exclude(pk__in=ids)
            .values_list("pk", flat=True)
        )
        ids += frontier
    return ids


def disclosure_events(person: Person) -> list[AuditEvent]:
    subjects = [disclosure_subject(pk) for pk in person_ids_of(person)]
    return list(
        AuditEvent.objects.filter(action=AuditEvent.Action.DISCLOSE, subject__in=subjects)
        .select_related("actor")
        .order_by("at", "id")
    )


def disclosure_record(person: Person) -> list[Disclosure]:
    """Every disclosure of `person` to another organisation, oldest first."""
    events = disclosure_events(person)
    organisations = dict(
        Organisation.objects.filter(
            pk__in={event.organisation_id for event in events if event.organisation_id}
        ).values_list("pk", "name")
    )
    bases = _BasisTexts(events)
    return [
        Disclosure(
            event_id=event.pk,
            at=event.at,
            organisation=organisations.get(event.organisation_id or 0, UNKNOWN),
            staff=(event.actor.display_name or event.actor.username) if event.actor else UNKNOWN,
            info_kinds=_info_kind_labels(event.detail.get("info_kinds", [])),
            basis=bases.text(event.detail),
            record=_record_text(event),
            identity=bool(event.detail.get("identity")),
        )
        for event in events
    ]


def _info_kind_labels(kinds: list[str]) -> list[str]:
    return [InfoKind(kind).label if kind in InfoKind.values else kind for kind in kinds]


def _record_text(event: AuditEvent) -> str:
    try:
        model = apps.get_model(event.object_type)
    except (LookupError, ValueError):
        return f"{event.object_type} #{event.object_id}"
    return f"{model._meta.verbose_name} #{event.object_id}"


class _BasisTexts:
    """The legal basis of each disclosure in words, with the records it names loaded at once."""

    def __init__(self, events: list[AuditEvent]) -> None:
        ids: dict[str, set[int]] = {
            BASIS_CONSENT: set(),
            BASIS_REFERRAL: set(),
            BASIS_MEETING: set(),
        }
        for event in events:
            kind, record_id = event.detail.get("basis"), event.detail.get("basis_id")
            if kind in ids and isinstance(record_id, int):
                ids[kind].add(record_id)
        self.consents = Consent.objects.only("given_by", "given_on").in_bulk(ids[BASIS_CONSENT])
        self.referrals = Referral.objects.only("referred_on").in_bulk(ids[BASIS_REFERRAL])
        # Not the minutes: they are encrypted and not the person's business here.
        self.meetings = Meeting.objects.only("held_at").in_bulk(ids[BASIS_MEETING])

    def text(self, detail: dict[str, Any]) -> str:
        kind, record_id = detail.get("basis"), detail.get("basis_id")
        if kind == BASIS_CONSENT:
            return self._consent(record_id)
        if kind == BASIS_REFERRAL:
            return self._referral(record_id)
        if kind == BASIS_MEETING:
            return self._meeting(record_id)
        return f"{UNKNOWN} {kind or ''}".strip()

    def _consent(self, record_id: Any) -> str:
        consent = self.consents.get(record_id)
        if consent is None:
            return f"本人の同意 #{record_id}"
        who = "本人" if consent.given_by == Consent.GivenBy.PERSON else "保護者・成年後見人等"
        return f"{who}の同意 #{record_id}（同意日 {wareki(consent.given_on)}）"

    def _referral(self, record_id: Any) -> str:
        referral = self.referrals.get(record_id)
        if referral is None:
            return f"つなぎの受入 #{record_id}"
        return f"つなぎの受入 #{record_id}（つないだ日 {wareki(referral.referred_on)}）"

    def _meeting(self, record_id: Any) -> str:
        meeting = self.meetings.get(record_id)
        held = f"（{wareki(timezone.localtime(meeting.held_at).date())}開催）" if meeting else ""
        return f"支援会議 #{record_id}{held} — {SUPPORT_MEETING_LAW}"
