"""Substring indexes on Person.search_text for people/search.py, per database vendor.

SQLite: an FTS5 table with the trigram tokenizer, external content on people_person (the text is
not stored twice), kept in sync by triggers and filled from the existing rows.
PostgreSQL: pg_trgm and a GIN trigram index, which serves LIKE '%key%' and the word-similarity
operator <%.

SQLite caveat: a later migration that makes Django rebuild people_person (copy to a new table,
drop the old one) drops these triggers with it; such a migration must run SQLITE_FORWARD's
triggers again. people/tests/test_search.py checks that they exist after all migrations.
"""

from django.db import migrations

TABLE = "people_person"
FTS = "people_person_fts"

SQLITE_FORWARD = [
    f"CREATE VIRTUAL TABLE {FTS} USING fts5("
    f"search_text, content='{TABLE}', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER {FTS}_insert AFTER INSERT ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {FTS}_update AFTER UPDATE OF id, search_text ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER {FTS}_delete AFTER DELETE ON {TABLE} BEGIN "
    f"INSERT INTO {FTS}({FTS}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"DROP TABLE IF EXISTS {FTS}",
]

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    f"CREATE INDEX people_person_search_trgm ON {TABLE} USING gin (search_text gin_trgm_ops)",
]
# The extension stays: other indexes or database objects may have come to rely on it.
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS people_person_search_trgm"]

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
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(forward, reverse)]
