"""The audit log page's rows: one compact line per event (what changed, in Japanese, first few
fields) and the full detail shown on demand (docs/audit.md「監査ログの画面の読み方」).

Nothing here reads another table: the person's name, when the viewer may see it, is looked up
once for the whole page by the view and handed in."""

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from audit.labels import detail_key_label, field_label
from audit.models import AuditEvent
from tsunagu.dates import wareki

# Field names shown in the row's one-line summary; the rest are counted (ほか3項目).
SUMMARY_FIELDS = 3
# Detail keys the summary names after the fields (the reason of a refusal, the kept version).
SUMMARY_KEYS = ("reason", "rows", "basis")
NO_ADDRESS = "不明"


@dataclass(frozen=True)
class LogRow:
    event: AuditEvent
    summary: str
    details: list[tuple[str, str]]
    # The person the event names, only when the viewer may see the person's identity.
    person_name: str = ""
    person_url: str = ""


def log_row(event: AuditEvent, *, person_name: str = "", person_url: str = "") -> LogRow:
    return LogRow(
        event=event,
        summary=summary_of(event),
        details=details_of(event),
        person_name=person_name,
        person_url=person_url,
    )


def fields_summary(event: AuditEvent) -> str:
    """「項目: 姓・名・住所 ほか2項目」: the first few field names, in Japanese."""
    names = event.detail.get("fields")
    if not isinstance(names, list) or not names:
        return ""
    labels = [field_label(event.object_type, str(name)) for name in names[:SUMMARY_FIELDS]]
    rest = len(names) - SUMMARY_FIELDS
    more = f" ほか{rest}項目" if rest > 0 else ""
    return f"{detail_key_label('fields')}: {'・'.join(labels)}{more}"


def summary_of(event: AuditEvent) -> str:
    """The row's one line: a correction, the fields, the count of ids shown, the reason."""
    parts = []
    if event.detail.get("correction"):
        parts.append(f"訂正（前の版 #{event.detail.get('previous_version')} を保存）")
    if fields := fields_summary(event):
        parts.append(fields)
    ids = event.detail.get("ids")
    if isinstance(ids, list):
        parts.append(f"{detail_key_label('ids')} {len(ids)}件")
    shown = dict(event.shown_detail())
    for key in SUMMARY_KEYS:
        label = detail_key_label(key)
        if key in event.detail and label in shown:
            parts.append(f"{label}: {shown[label]}")
    return "／".join(parts)


def full_time(at: datetime) -> str:
    local = timezone.localtime(at)
    return f"{wareki(local.date())} {local:%H:%M:%S}"


def actor_of(event: AuditEvent) -> str:
    actor = event.actor
    if actor is None:
        return "—"
    return f"{actor.display_name}（{actor.username}）" if actor.display_name else actor.username


def record_of(event: AuditEvent) -> str:
    if not event.object_type:
        return "—"
    number = f" #{event.object_id}" if event.object_id else ""
    return f"{event.record_kind}{number}（{event.object_type}）"


def chain_of(event: AuditEvent) -> list[tuple[str, str]]:
    """Where the row stands in the hash chain (docs/audit.md「何が連鎖しているか」)."""
    method = f"鍵付き（HMAC-SHA256、鍵 {event.key_id}）" if event.is_keyed else "鍵なし（SHA-256）"
    return [
        ("直前の行", f"#{event.id - 1}" if event.id > 1 else "なし（最初の行）"),
        ("この行のハッシュ", event.hash),
        ("直前の行のハッシュ", event.prev_hash),
        ("ハッシュの方式", method),
    ]


def details_of(event: AuditEvent) -> list[tuple[str, str]]:
    """Everything the row stores, in Japanese, for the <details> of the row."""
    return [
        ("番号", f"#{event.id}"),
        ("日時", full_time(event.at)),
        ("操作者", actor_of(event)),
        ("操作", event.get_action_display()),
        ("記録", record_of(event)),
        *event.shown_detail(),
        ("接続元（IPアドレス）", event.ip_address or NO_ADDRESS),
        *chain_of(event),
    ]
