"""The alias's own matching key, and a narrow partial index for it (people/search.py).

The search's alias leg matched any part of ``search_text`` of the persons with an alias, on a
partial index keyed by that whole text: at 2M persons (30k aliases) a one-character query read
15,000 index pages, and a common three-kana query (ユウト) a trigram bitmap of 13,000 rows.
``alias_key`` holds the alias alone (its loose key: one pattern per query instead of two).

- Both indexes hold the persons with an alias only. PostgreSQL: a trigram index on alias_key
  for queries of three or more characters; shorter ones scan the narrow B-tree entries
  (index-only).
- The keys of existing persons with an alias are filled here (few rows; people/names.py).
- SQLite: adding a column makes Django rebuild people_person, which drops the FTS triggers of
  0002_search_indexes; they are created again here (both ways), as in 0003.
"""

from django.conf import settings
from django.db import migrations, models

TABLE = "people_person"
FTS = "people_person_fts"
BATCH = 2000

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


def _sqlite_triggers(schema_editor):
    # Only where 0002 made the FTS table (SQLite); the rebuild kept the rows and their ids.
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def fill_alias_keys(apps, schema_editor):
    from people.names import loose_key

    Person = apps.get_model("people", "Person")
    persons = Person.objects.using(schema_editor.connection.alias).exclude(alias="")
    batch = []
    for person in persons.only("id", "alias").order_by("id").iterator(chunk_size=BATCH):
        person.alias_key = loose_key(person.alias)
        batch.append(person)
        if len(batch) == BATCH:
            Person.objects.bulk_update(batch, ["alias_key"])
            batch = []
    Person.objects.bulk_update(batch, ["alias_key"])


ALIAS_TRIGRAM_INDEX = (
    f"CREATE INDEX person_alias_trgm ON {TABLE} USING gin (alias_key gin_trgm_ops) "
    "WITH (fastupdate = off) WHERE NOT (alias = '')"
)


def forward(apps, schema_editor):
    _sqlite_triggers(schema_editor)
    fill_alias_keys(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ALIAS_TRIGRAM_INDEX)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS person_alias_trgm")


def reverse_after_rebuild(apps, schema_editor):
    # Runs last when migrating back, after RemoveField rebuilt the table once more.
    _sqlite_triggers(schema_editor)


def noop(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("people", "0004_report_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(noop, reverse_after_rebuild),
        migrations.RemoveIndex(model_name="person", name="person_alias_text"),
        migrations.AddField(
            model_name="person",
            name="alias_key",
            field=models.CharField(blank=True, editable=False, max_length=120),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("alias", ""), _negated=True),
                fields=["organisation", "merged_into", "alias_key"],
                include=("id", "is_restricted"),
                name="person_alias_key",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
