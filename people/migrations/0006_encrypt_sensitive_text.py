"""Free text that may hold 要配慮個人情報 becomes encrypted at rest (docs/encryption.md).

The columns become text (a token is about 1.4 times the plain text plus 57 bytes); the forms
and the model still bound the plain text by max_length. 0007 encrypts the existing values.
SQLite: altering the columns makes Django rebuild people_person, which drops the FTS triggers of
0002_search_indexes; they are created again here (both ways), as in 0003 and 0005.
"""

from django.db import migrations

import tsunagu.fields

TABLE = "people_person"
FTS = "people_person_fts"

# The triggers of 0002_search_indexes, copied (a migration must not import another's code).
SQLITE_TRIGGERS = [
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_update AFTER UPDATE OF id, search_text ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS}_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
]


def sqlite_triggers(apps, schema_editor):
    # Only where 0002 made the FTS table (SQLite); the rebuild kept the rows and their ids.
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0005_alias_key"),
    ]

    operations = [
        # Backwards this runs last, after the AlterFields rebuilt the table once more.
        migrations.RunPython(migrations.RunPython.noop, sqlite_triggers),
        migrations.AlterField(
            model_name="household",
            name="note",
            field=tsunagu.fields.EncryptedTextField(blank=True, default="", verbose_name="メモ"),
        ),
        migrations.AlterField(
            model_name="person",
            name="contact_note",
            field=tsunagu.fields.EncryptedCharField(
                blank=True, default="", max_length=300, verbose_name="連絡についての注意"
            ),
        ),
        migrations.AlterField(
            model_name="person",
            name="restriction_reason",
            field=tsunagu.fields.EncryptedCharField(
                blank=True,
                choices=[
                    ("dv", "DV"),
                    ("abuse", "虐待"),
                    ("family_conflict", "家族間の対立"),
                    ("other", "その他"),
                ],
                default="",
                max_length=20,
                verbose_name="制限の理由",
            ),
        ),
        migrations.AlterField(
            model_name="personphone",
            name="note",
            field=tsunagu.fields.EncryptedCharField(
                blank=True, default="", max_length=100, verbose_name="備考"
            ),
        ),
        migrations.RunPython(sqlite_triggers, migrations.RunPython.noop),
    ]
