"""The disclosure record (開示記録) of a person: every time another organisation saw their
information, read back from the audit log.

Each disclosure is an audit row (`collaboration.sharing.access.audit_disclosure`) with the
action `disclose`, the subject `person:<id>` and its legal basis in `detail`; an index covers
action and subject, so the record is one query however long the log grows. Records merged into
the person keep their own rows, and are included. The texts of the bases come from the registry
(`collaboration.sharing.access.BASES`).
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.apps import apps
from django.utils import timezone

from accounts.models import Organisation
from audit.models import AuditEvent
from collaboration.models import InfoKind
from collaboration.sharing.access import BASES, disclosure_subject
from people.models import Person
from tsunagu.dates import wareki

UNKNOWN = "（不明）"


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
    """The legal basis of each disclosure in words, with the records it names loaded at once
    (one query per kind of basis in the registry, whatever the number of disclosures)."""

    def __init__(self, events: list[AuditEvent]) -> None:
        ids: dict[str, set[int]] = {key: set() for key in BASES}
        for event in events:
            kind, record_id = event.detail.get("basis"), event.detail.get("basis_id")
            if kind in ids and isinstance(record_id, int):
                ids[kind].add(record_id)
        self.records = {
            key: kind.record_model._default_manager.only(*kind.record_fields).in_bulk(ids[key])
            for key, kind in BASES.items()
        }

    def text(self, detail: dict[str, Any]) -> str:
        key, record_id = detail.get("basis"), detail.get("basis_id")
        kind = BASES.get(str(key))
        if kind is None:
            return f"{UNKNOWN} {key or ''}".strip()
        return kind.describe(self.records[kind.key].get(record_id), record_id)  # type: ignore[arg-type]
