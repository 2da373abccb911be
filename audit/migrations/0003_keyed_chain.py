"""The keyed chain: a hash algorithm per row and the signed boundary of the legacy rows.

History is not rewritten: every existing row keeps its plain SHA-256 hash and is marked
hash_alg = "sha256"; new rows are HMAC-SHA256 under TSUNAGU_AUDIT_KEY. The boundary (the last
legacy row's id and hash, signed with the key) is recorded in the same step, so that nobody can
later turn keyed rows into legacy ones and rehash them.

On SQLite, adding a NOT NULL column rebuilds the table, which drops its triggers; they are
created again right after (and again after the reverse step, which rebuilds it once more).
"""

import django.utils.timezone
from django.db import migrations, models

TABLE = "audit_auditevent"
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    f"CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]


def restore_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def record_boundary(apps, schema_editor):
    from audit.services import record_chain_boundary

    record_chain_boundary(apps.get_model("audit", "ChainBoundary"), apps.get_model("audit", "AuditEvent"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_triggers")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, restore_sqlite_triggers),
        migrations.AddField(
            model_name="auditevent",
            name="hash_alg",
            field=models.CharField(default="sha256", max_length=40, verbose_name="ハッシュ方式"),
            preserve_default=False,
        ),
        migrations.RunPython(restore_sqlite_triggers, migrations.RunPython.noop),
        migrations.CreateModel(
            name="ChainBoundary",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("legacy_last_id", models.BigIntegerField(verbose_name="鍵なしの最終行")),
                ("legacy_last_hash", models.CharField(max_length=64)),
                ("key_id", models.CharField(max_length=20)),
                ("signature", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"verbose_name": "監査ログの鍵付き連鎖の開始点"},
        ),
        migrations.RunPython(record_boundary, migrations.RunPython.noop),
    ]
