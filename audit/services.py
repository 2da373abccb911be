"""Writing and verifying the audit log.

Callers write the audit row inside the same transaction as the change it records, so that
either both are saved or neither is.
"""

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.http import HttpRequest

from audit.models import GENESIS_HASH, AuditEvent
from tsunagu.client_address import client_address

# An arbitrary constant naming the PostgreSQL advisory lock that serialises appends to the chain.
_CHAIN_LOCK_KEY = 7_354_920_114


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: X-Forwarded-For only from a trusted proxy (tsunagu.client_address)."""
    if request is None:
        return None
    return client_address(request)


def object_type_of(model: type[Model] | Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def login_subject(username: str) -> str:
    """A stable, non-reversible key for a typed login name (for throttling failed logins)."""
    return hashlib.sha256(username.strip().casefold().encode()).hexdigest()


def audit_record(
    *,
    action: str,
    actor: Any = None,
    request: HttpRequest | None = None,
    obj: Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    fields: Iterable[str] = (),
    detail: dict[str, Any] | None = None,
    subject: str = "",
    organisation_id: int | None = None,
) -> AuditEvent:
    """Append one row to the chain. Record ids, field names and reasons — never values."""
    if actor is not None and not actor.is_authenticated:
        actor = None
    payload = dict(detail or {})
    field_names = sorted(fields)
    if field_names:
        payload["fields"] = field_names
    if obj is not None:
        object_type, object_id = object_type_of(obj), obj.pk
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        last_id, last_hash = last if last else (0, GENESIS_HASH)
        event = AuditEvent(
            id=last_id + 1,
            actor=actor,
            organisation_id=organisation_id or getattr(actor, "organisation_id", None),
            action=action,
            object_type=object_type,
            object_id=str(object_id) if object_id != "" else "",
            subject=subject,
            ip_address=client_ip(request),
            detail=payload,
            prev_hash=last_hash,
        )
        event.hash = event.compute_hash()
        event.save(force_insert=True)
    return event


def _lock_chain() -> None:
    # SQLite transactions here are IMMEDIATE (settings), which already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: str


def verify_chain(events: Iterable[AuditEvent] | None = None) -> Iterator[ChainBreak]:
    """Yield every break in the chain in id order; the first names the earliest bad row."""
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    expected_id, expected_prev = 1, GENESIS_HASH
    for event in events:
        if event.id != expected_id:
            last_missing = event.id - 1
            span = (
                f"#{expected_id}"
                if last_missing == expected_id
                else f"#{expected_id}〜#{last_missing}"
            )
            yield ChainBreak(expected_id, f"行 {span} が削除されています。")
        elif event.prev_hash != expected_prev:
            yield ChainBreak(
                expected_id - 1,
                f"行 #{expected_id - 1} が書き換えられ、ハッシュが付け直されています"
                f"（次の行 #{event.id} の連鎖と一致しません）。",
            )
        if event.compute_hash() != event.hash:
            yield ChainBreak(event.id, f"行 #{event.id} の内容がハッシュと一致しません（改ざん）。")
        expected_id, expected_prev = event.id + 1, event.hash
