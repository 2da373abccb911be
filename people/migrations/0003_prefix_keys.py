"""Prefix-search keys and indexes for people/search.py; trigram index without a pending list.

- reading_key, given_key, given_reading_key (Person.refresh_keys) and B-tree indexes on
  (organisation, key) for the prefix searches of short queries; a partial index for the rows
  with an alias.
- The keys of existing rows are NOT filled here (a data migration would take long on a large
  table, and loose_key changed too, so search_text is stale as well): run
  ``python bench/generate_people.py --refresh-keys`` once after migrating (it recomputes
  every person's keys in batches). Until then existing persons are found by substring only.
- SQLite: adding a NOT NULL column makes Django rebuild people_person, which drops the FTS
  triggers of 0002_search_indexes; they are created again here (both ways).
- PostgreSQL: person_alias_text is rebuilt with INCLUDE (id, name_key) (index-only scans);
  people_person_search_trgm gets fastupdate = off, so that rows written between
  VACUUMs do not wait in a GIN pending list that every search scans (bench/README.md).
"""

from django.conf import settings
from django.db import migrations, models


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


def _sqlite_triggers(schema_editor):
    # Only where 0002 made the FTS table (SQLite); the rebuild kept the rows and their ids.
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


ALIAS_INDEX = (
    'CREATE INDEX "person_alias_text" ON "people_person" '
    '("organisation_id", "merged_into_id", "search_text") {include}WHERE NOT ("alias" = \'\')'
)


def _alias_index(schema_editor, include):
    # The alias leg of the search reads (id, name_key, search_text); with them in the index
    # PostgreSQL scans the alias rows without visiting the table (10x faster at 2M persons).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute('DROP INDEX "person_alias_text"')
        schema_editor.execute(ALIAS_INDEX.format(include=include))


def _fastupdate(schema_editor, value):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX people_person_search_trgm SET (fastupdate = {value})")


def forward(apps, schema_editor):
    _sqlite_triggers(schema_editor)
    _fastupdate(schema_editor, "off")
    _alias_index(schema_editor, 'INCLUDE ("id", "name_key") ')


def reverse(apps, schema_editor):
    _fastupdate(schema_editor, "on")
    _alias_index(schema_editor, "")


def noop(apps, schema_editor):
    pass


def reverse_after_rebuild(apps, schema_editor):
    # Runs last when migrating back, after RemoveField rebuilt the table once more.
    _sqlite_triggers(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("people", "0002_search_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(noop, reverse_after_rebuild),
        migrations.AddField(
            model_name="person",
            name="given_key",
            field=models.CharField(blank=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="person",
            name="given_reading_key",
            field=models.CharField(blank=True, editable=False, max_length=120),
        ),
        migrations.AddField(
            model_name="person",
            name="reading_key",
            field=models.CharField(blank=True, editable=False, max_length=240),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["organisation", "name_key"], name="person_name_prefix"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["organisation", "reading_key"], name="person_reading_prefix"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["organisation", "given_key"], name="person_given_prefix"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["organisation", "given_reading_key"], name="person_given_reading_prefix"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=models.Q(("alias", ""), _negated=True),
                fields=["organisation", "merged_into", "search_text"],
                name="person_alias_text",
            ),
        ),
        migrations.RunPython(forward, reverse),
    ]
