"""Migration 0003 on a database with rows from before the key: history is not rewritten.

Runs the real migrations in a subprocess on a fresh SQLite file (the rebuild of the table that
SQLite needs for the new column must neither change a hash nor lose the append-only triggers).
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = r"""
import json
from datetime import UTC, datetime
from io import StringIO

import django

django.setup()

from django.core.management import call_command
from django.db import connection

from audit.tests.tampering import plain_sha256

call_command("migrate", "audit", "0002", verbosity=0)
previous = "0" * 64
hashes = []
with connection.cursor() as cursor:
    for row_id in (1, 2, 3):
        row = {
            "id": row_id, "at": datetime(2026, 4, row_id, 9, 0, tzinfo=UTC), "actor_id": None,
            "organisation_id": 7, "action": "read", "object_type": "people.person",
            "object_id": str(row_id), "subject": "", "ip_address": "192.0.2.1",
            "detail": {"fields": ["name"]}, "prev_hash": previous,
        }
        row["hash"] = plain_sha256(row)
        cursor.execute(
            "INSERT INTO audit_auditevent (id, at, actor_id, organisation_id, action, object_type,"
            " object_id, subject, ip_address, detail, prev_hash, hash)"
            " VALUES (%s, %s, NULL, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [row_id, "2026-04-0%d 09:00:00" % row_id, 7, "read", "people.person", str(row_id), "",
             "192.0.2.1", json.dumps(row["detail"]), previous, row["hash"]],
        )
        previous = row["hash"]
        hashes.append(row["hash"])

call_command("migrate", "audit", verbosity=0)

from audit.models import AuditEvent, ChainBoundary
from audit.services import audit_record

after = list(AuditEvent.objects.order_by("id").values_list("hash", "hash_alg"))
boundary = ChainBoundary.objects.get()
audit_record(action="login")
out = StringIO()
call_command("verify_audit", stdout=out)
print(json.dumps({
    "unchanged": [h for h, _ in after] == hashes,
    "algorithms": sorted({a for _, a in after}),
    "boundary": [boundary.legacy_last_id, boundary.legacy_last_hash == hashes[-1]],
    "verify": out.getvalue(),
}))
"""


def test_migration_keeps_legacy_hashes_records_the_boundary_and_keeps_the_triggers() -> None:
    with tempfile.TemporaryDirectory(prefix="tsunagu-migration-") as data_dir:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TSUNAGU_ENV"}}
        env.update({"DJANGO_SETTINGS_MODULE": "tsunagu.settings", "TSUNAGU_DATA_DIR": data_dir})
        result = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
            [sys.executable, "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["unchanged"] is True
    assert outcome["algorithms"] == ["sha256"]
    assert outcome["boundary"] == [3, True]
    assert "監査ログ 4 行のハッシュ連鎖は正常です" in outcome["verify"]
    assert "鍵なし（旧方式 SHA-256）の行: 3 行（#1〜#3" in outcome["verify"]
    assert "鍵付き（HMAC-SHA256）の行: 1 行" in outcome["verify"]
    assert "追記のみを守るトリガー: そろっています（sqlite）" in outcome["verify"]
