"""Writing and verifying the audit log.

Callers write the audit row inside the same transaction as the change it records, so that
either both are saved or neither is. Each row carries the HMAC of its content and the previous
row's hash under the current audit key (audit/keys.py); verify_chain checks every row under the
key it names, and that legacy (unkeyed) rows end where the signed ChainBoundary says.
"""

import hashlib
import hmac
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from audit.keys import LEGACY_ALGORITHM, UNKNOWN_KEY, AuditKey, audit_keys, current_key, key_by_id
from audit.models import (
    BOUNDARY_PURPOSE,
    GENESIS_HASH,
    AuditEvent,
    ChainBoundary,
    PreviousVersion,
    UnknownAlgorithmError,
    UnknownKeyError,
    boundary_content,
)
from tsunagu.client_address import client_address
from tsunagu.versioning import PreviousKeeper, VersionedEdit

BOUNDARY_EXISTS = "鍵付き連鎖の開始点はすでに記録されています（一度だけ記録します）。"
CORRECTION_REASON_REQUIRED = "訂正の理由を入力してください（前の版とともに残ります）。"

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
    (event,) = audit_records(
        [
            AuditEntry(
                action=action,
                actor=actor,
                request=request,
                obj=obj,
                object_type=object_type,
                object_id=object_id,
                fields=tuple(fields),
                detail=detail,
                subject=subject,
                organisation_id=organisation_id,
            )
        ]
    )
    return event


@dataclass(frozen=True)
class AuditEntry:
    """One row to append: the arguments of `audit_record`."""

    action: str
    actor: Any = None
    request: HttpRequest | None = None
    obj: Model | None = None
    object_type: str = ""
    object_id: str | int = ""
    fields: tuple[str, ...] = ()
    detail: dict[str, Any] | None = None
    subject: str = ""
    organisation_id: int | None = None


def audit_records(entries: list[AuditEntry]) -> list[AuditEvent]:
    """Append several rows to the chain at once: one lock and one insert, however many rows
    (a page that discloses many records writes one row per record, in the same few queries)."""
    if not entries:
        return []
    key = current_key()
    with transaction.atomic():
        _lock_chain()
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        last_id, last_hash = last if last else (0, GENESIS_HASH)
        events = []
        for offset, entry in enumerate(entries, start=1):
            event = _event(entry, last_id + offset, last_hash, key.algorithm)
            event.hash = event.compute_hash(keys={key.key_id: key})
            last_hash = event.hash
            events.append(event)
        AuditEvent.objects.bulk_create(events)
    return events


def _event(entry: AuditEntry, event_id: int, prev_hash: str, hash_alg: str) -> AuditEvent:
    actor = entry.actor
    if actor is not None and not actor.is_authenticated:
        actor = None
    payload = dict(entry.detail or {})
    field_names = sorted(entry.fields)
    if field_names:
        payload["fields"] = field_names
    object_type, object_id = entry.object_type, entry.object_id
    if entry.obj is not None:
        object_type, object_id = object_type_of(entry.obj), entry.obj.pk
    return AuditEvent(
        id=event_id,
        actor=actor,
        organisation_id=entry.organisation_id or getattr(actor, "organisation_id", None),
        action=entry.action,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        subject=entry.subject,
        ip_address=client_ip(entry.request),
        detail=payload,
        prev_hash=prev_hash,
        hash_alg=hash_alg,
    )


def audit_update(
    *, actor: Any, request: HttpRequest | None = None, detail: dict[str, Any] | None = None
) -> Callable[[Model, Sequence[str], Mapping[str, Any]], None]:
    """The audit row of a versioned edit (tsunagu.versioning), written in its transaction: the
    record, the fields it changed, `detail` with what the edit adds to it."""

    def write(record: Model, fields: Sequence[str], extra: Mapping[str, Any]) -> None:
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=actor,
            request=request,
            obj=record,
            fields=fields,
            detail={**(detail or {}), **extra} or None,
        )

    return write


def keep_previous_version(*, by: Any, reason: str) -> PreviousKeeper:
    """The keeper of a correction (訂正) for `versioned_edit(keep=...)`: refuses a blank reason
    now, before anything is locked; when the edit changed something, stores the previous version
    (the changed fields before and after, encrypted) and returns its id for the audit row."""
    if not reason.strip():
        raise ValidationError({"reason": CORRECTION_REASON_REQUIRED})

    def keep(edit: VersionedEdit[Any]) -> dict[str, Any]:
        record = edit.record
        kept = PreviousVersion.objects.create(
            content_type=ContentType.objects.get_for_model(record),
            object_id=record.pk,
            version=edit.version_before,
            changes={
                name: [as_json(before), as_json(after)]
                for name, (before, after) in edit.changes().items()
            },
            reason=reason.strip(),
            by=by,
        )
        return {"correction": True, "previous_version": kept.pk}

    return keep


def as_json(value: Any) -> Any:
    """A field's value as it is kept in a previous version: dates as ISO text, a record as its
    id, a set of records as their sorted ids."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, list | tuple | set | frozenset):
        items = [as_json(item) for item in value]
        return items if isinstance(value, list | tuple) else sorted(items)
    if isinstance(value, Decimal):
        return str(value)
    return value


def kept_versions_of(record: Model) -> QuerySet[PreviousVersion]:
    """The versions kept of `record` (訂正), newest first."""
    return PreviousVersion.objects.filter(
        content_type=ContentType.objects.get_for_model(record), object_id=record.pk
    )


def previous_versions(record: Model) -> list[PreviousVersion]:
    """The kept versions of `record`, newest first, with who corrected."""
    return list(kept_versions_of(record).select_related("by"))


def _lock_chain() -> None:
    # SQLite transactions here are IMMEDIATE (settings), which already serialises writers.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK_KEY])


def record_chain_boundary(
    boundary_model: Any = ChainBoundary, event_model: Any = AuditEvent
) -> ChainBoundary:
    """Record, signed, that every row so far is legacy (unkeyed) and every later row is keyed.

    Run once, by migration 0003 (which passes its historical models). The chain lock keeps a
    concurrent append from slipping between the read of the last row and the record.
    """
    with transaction.atomic():
        _lock_chain()
        if boundary_model.objects.exists():
            raise ValueError(BOUNDARY_EXISTS)
        last = event_model.objects.order_by("-id").values_list("id", "hash").first()
        last_id, last_hash = last if last else (0, GENESIS_HASH)
        key = current_key()
        return boundary_model.objects.create(
            legacy_last_id=last_id,
            legacy_last_hash=last_hash,
            key_id=key.key_id,
            signature=key.sign(BOUNDARY_PURPOSE, boundary_content(last_id, last_hash)),
        )


@dataclass(frozen=True)
class ChainBreak:
    """One inconsistency; row_id names the row to look at (None: not about one row)."""

    row_id: int | None
    reason: str


@dataclass
class ChainSummary:
    """What a verification pass saw, for the report (filled in as the rows stream by)."""

    rows: int = 0
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    legacy_rows: int = 0
    first_keyed_id: int | None = None
    rows_by_key: Counter[str] = field(default_factory=Counter)
    legacy_last_id: int | None = None


def _boundary_breaks(boundaries: list[ChainBoundary]) -> Iterator[ChainBreak]:
    if not boundaries:
        yield ChainBreak(
            None,
            "鍵付き連鎖の開始点の記録（audit_chainboundary）がありません（削除された可能性があります）。",
        )
        return
    if len(boundaries) > 1:
        yield ChainBreak(
            None, f"鍵付き連鎖の開始点の記録が {len(boundaries)} 件あります（1件のはずです）。"
        )
    for boundary in boundaries:
        key = key_by_id(boundary.key_id)
        if key is None:
            yield ChainBreak(
                None, "鍵付き連鎖の開始点の記録: " + UNKNOWN_KEY.format(key_id=boundary.key_id)
            )
        elif not hmac.compare_digest(
            key.sign(BOUNDARY_PURPOSE, boundary.signed_content()), boundary.signature
        ):
            yield ChainBreak(
                None,
                "鍵付き連鎖の開始点の記録の署名が一致しません（書き換えられています）。",
            )


def _trusted_boundary(summary: ChainSummary) -> tuple[ChainBoundary | None, list[ChainBreak]]:
    boundaries = list(ChainBoundary.objects.order_by("id"))
    breaks = list(_boundary_breaks(boundaries))
    if breaks:
        return None, breaks
    summary.legacy_last_id = boundaries[0].legacy_last_id
    return boundaries[0], []


def _placement_break(
    event: AuditEvent, summary: ChainSummary, boundary: ChainBoundary | None
) -> ChainBreak | None:
    """Legacy rows may only form the start of the chain, up to the signed boundary."""
    if event.hash_alg != LEGACY_ALGORITHM:
        if boundary is not None and event.id <= boundary.legacy_last_id:
            return ChainBreak(
                event.id,
                f"行 #{event.id} は鍵付きですが、開始点の記録では鍵なしの行"
                f"（#{boundary.legacy_last_id} まで）のはずです。",
            )
        return None
    if summary.first_keyed_id is not None:
        return ChainBreak(
            event.id,
            f"行 #{event.id} は鍵なしの旧方式ですが、鍵付きの行 #{summary.first_keyed_id} より後に"
            "あります（鍵付きの行を旧方式に書き換えてハッシュを付け直した改ざん）。",
        )
    if boundary is not None and event.id > boundary.legacy_last_id:
        return ChainBreak(
            event.id,
            f"行 #{event.id} は鍵なしの旧方式ですが、鍵なしの行は開始点の記録で"
            f" #{boundary.legacy_last_id} までです"
            "（旧方式に書き換えてハッシュを付け直した改ざん）。",
        )
    return None


def _hash_break(event: AuditEvent, keys: dict[str, AuditKey]) -> ChainBreak | None:
    try:
        expected = event.compute_hash(keys=keys)
    except (UnknownKeyError, UnknownAlgorithmError) as error:
        return ChainBreak(event.id, f"行 #{event.id}: {error}")
    if not hmac.compare_digest(expected, event.hash):
        return ChainBreak(event.id, f"行 #{event.id} の内容がハッシュと一致しません（改ざん）。")
    return None


def _boundary_row_break(row_id: int) -> ChainBreak:
    return ChainBreak(
        row_id,
        f"行 #{row_id}（鍵なしの最終行）のハッシュが開始点の記録と一致しません"
        "（鍵なしの行が書き換えられています）。",
    )


def _record(event: AuditEvent, summary: ChainSummary) -> None:
    summary.rows += 1
    summary.last_id, summary.last_hash = event.id, event.hash
    if event.hash_alg == LEGACY_ALGORITHM:
        summary.legacy_rows += 1
    else:
        if summary.first_keyed_id is None:
            summary.first_keyed_id = event.id
        summary.rows_by_key[event.key_id] += 1


def verify_chain(
    events: Iterable[AuditEvent] | None = None, summary: ChainSummary | None = None
) -> Iterator[ChainBreak]:
    """Yield every break in the chain in id order; the first names the earliest bad row.

    Streams the table (one pass, constant memory). Pass a ChainSummary to learn what was seen.
    """
    summary = summary if summary is not None else ChainSummary()
    boundary, boundary_breaks = _trusted_boundary(summary)
    yield from boundary_breaks
    if events is None:
        events = AuditEvent.objects.order_by("id").iterator(chunk_size=5000)
    keys = {key.key_id: key for key in audit_keys()}
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
        for found in (_placement_break(event, summary, boundary), _hash_break(event, keys)):
            if found is not None:
                yield found
        if (
            boundary is not None
            and event.id == boundary.legacy_last_id
            and event.hash != boundary.legacy_last_hash
        ):
            yield _boundary_row_break(event.id)
        _record(event, summary)
        expected_id, expected_prev = event.id + 1, event.hash
    if boundary is not None and boundary.legacy_last_id > summary.last_id:
        yield ChainBreak(
            summary.last_id + 1,
            f"行 #{summary.last_id + 1}〜#{boundary.legacy_last_id} が削除されています"
            f"（開始点の記録では鍵なしの行が #{boundary.legacy_last_id} まであります）。",
        )


def audit_pdf_export(actor: Any, request: HttpRequest, obj: Model, *, document: str) -> None:
    """One export row for a printed document (a PDF of personal data leaving the system)."""
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.EXPORT,
            actor=actor,
            request=request,
            obj=obj,
            detail={"format": "pdf", "document": document},
        )
