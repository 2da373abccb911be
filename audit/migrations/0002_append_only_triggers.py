"""Database triggers that refuse UPDATE and DELETE on the audit log, on SQLite and PostgreSQL.

Someone with the database owner's rights can still drop them; the hash chain is what shows
that tampering happened (manage.py verify_audit).
"""

from django.db import migrations

TABLE = "audit_auditevent"

SQLITE_FORWARD = [
    f"CREATE TRIGGER audit_no_update BEFORE UPDATE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
    f"CREATE TRIGGER audit_no_delete BEFORE DELETE ON {TABLE} "
    "BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_no_delete"]

POSTGRES_FORWARD = [
    "CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'audit log is append-only'; END $$",
    f"CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON {TABLE} "
    "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()",
    f"CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON {TABLE} "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()",
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER audit_no_truncate ON {TABLE}",
    f"DROP TRIGGER audit_no_change ON {TABLE}",
    "DROP FUNCTION audit_refuse_change()",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_REVERSE),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_REVERSE),
}


def _run(schema_editor, index):
    statements = STATEMENTS.get(schema_editor.connection.vendor)
    if statements is None:
        return
    for sql in statements[index]:
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, 0)


def reverse(apps, schema_editor):
    _run(schema_editor, 1)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
