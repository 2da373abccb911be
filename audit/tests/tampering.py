"""What an attacker with the database owner's rights can do, for the tests."""

import hashlib
import importlib
import json
from datetime import UTC
from typing import Any

from django.db import connection

_TRIGGERS = importlib.import_module("audit.migrations.0002_append_only_triggers")


def tamper(sql: str, params: list[object]) -> None:
    """Lift the append-only guard, change rows, and put the guard back so nothing shows there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER USER")
            cursor.execute(sql, params)
            cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER audit_no_update")
            cursor.execute("DROP TRIGGER audit_no_delete")
            cursor.execute(sql, params)
            for statement in _TRIGGERS.SQLITE_FORWARD:
                cursor.execute(statement)


def plain_sha256(row: dict[str, Any]) -> str:
    """The unkeyed hash of the old chain, as anyone who reads the source can compute it."""
    content = {
        "id": row["id"],
        "at": row["at"].astimezone(UTC).isoformat(),
        "actor": row["actor_id"],
        "organisation": row["organisation_id"],
        "action": row["action"],
        "object_type": row["object_type"],
        "object_id": row["object_id"],
        "subject": row["subject"],
        "ip": row["ip_address"],
        "detail": row["detail"],
        "prev": row["prev_hash"],
    }
    text = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
