"""Recomputing the persons' derived matching keys (Person.KEY_COLUMNS) in bulk.

After a change to people/names.py or to Person.refresh_keys, or after the migration that added
key columns (people 0003), run `manage.py refresh_person_keys` once. The benchmark's generator
(bench/generate_people.py) uses the same KeyCache to load millions of persons quickly.
"""

import time
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

from people.models import Person


class KeyCache:
    """Person.refresh_keys() once per distinct spelling: many persons share a name.

    The keys depend only on KEY_FIELDS (people.models.Person.search_keys); every CHECK_EVERY-th
    reuse is recomputed on a full Person and compared, so a change there fails loudly instead of
    loading stale keys.
    """

    KEY_FIELDS = (
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "koseki_kana",
        "alias",
    )
    CHECK_EVERY = 997
    MAX_ENTRIES = 500_000

    def __init__(self) -> None:
        self._keys: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._reused = 0

    def keys_for(self, values: dict[str, Any]) -> dict[str, str]:
        """The derived key columns (Person.KEY_COLUMNS) of a person with these field values."""
        spelling = tuple(values[name] for name in self.KEY_FIELDS)
        cached = self._keys.get(spelling)
        if cached is None:
            person = Person(**dict(zip(self.KEY_FIELDS, spelling, strict=True)))
            person.refresh_keys()
            if len(self._keys) >= self.MAX_ENTRIES:
                self._keys.clear()
            cached = self._keys[spelling] = self._columns(person)
            return dict(zip(Person.KEY_COLUMNS, cached, strict=True))
        self._reused += 1
        if self._reused % self.CHECK_EVERY == 0:
            person = Person(**values)
            person.refresh_keys()
            if self._columns(person) != cached:
                raise RuntimeError(
                    "Person.refresh_keys() depends on more than KeyCache.KEY_FIELDS; update them."
                )
        return dict(zip(Person.KEY_COLUMNS, cached, strict=True))

    @staticmethod
    def _columns(person: Any) -> tuple[str, ...]:
        return tuple(getattr(person, column) for column in person.KEY_COLUMNS)


def refresh_keys(*, batch_size: int = 20_000, progress: Callable[[str], None] = print) -> int:
    """Recompute Person.KEY_COLUMNS of every person (all organisations) in id order, in batches.

    For existing databases after a change to people/names.py or Person.refresh_keys (migration
    people 0003 added columns it leaves empty): run once after migrating. Only rows whose keys
    change are written; PostgreSQL: COPY into a temporary table and one UPDATE … FROM per batch,
    SQLite: executemany. Then (VACUUM) ANALYZE. Returns the number of rows updated.
    """
    keys = KeyCache()
    columns = Person.KEY_COLUMNS
    qn = connection.ops.quote_name
    table = qn(Person._meta.db_table)
    postgres = connection.vendor == "postgresql"
    updated = seen = last_id = 0
    started = time.perf_counter()
    while True:
        batch = list(
            Person.objects.filter(pk__gt=last_id)
            .order_by("pk")
            .values("pk", *KeyCache.KEY_FIELDS, *columns)[:batch_size]
        )
        if not batch:
            break
        last_id = batch[-1]["pk"]
        seen += len(batch)
        changed = []
        for row in batch:
            new = keys.keys_for(row)
            if any(row[column] != new[column] for column in columns):
                changed.append([*(new[column] for column in columns), row["pk"]])
        with transaction.atomic(), connection.cursor() as cursor:
            if changed and postgres:
                names = ", ".join(qn(c) for c in columns)
                cursor.execute(
                    f"CREATE TEMPORARY TABLE refreshed_keys ON COMMIT DROP AS SELECT {names}, id "  # noqa: S608
                    f"FROM {table} WITH NO DATA"
                )
                with cursor.cursor.copy("COPY refreshed_keys FROM STDIN") as copy:
                    for values in changed:
                        copy.write_row(values)
                assignments = ", ".join(f"{qn(c)} = r.{qn(c)}" for c in columns)
                cursor.execute(
                    f"UPDATE {table} AS p SET {assignments} FROM refreshed_keys AS r "  # noqa: S608
                    "WHERE p.id = r.id"
                )
            elif changed:
                assignments = ", ".join(f"{qn(c)} = %s" for c in columns)
                cursor.executemany(f"UPDATE {table} SET {assignments} WHERE id = %s", changed)  # noqa: S608
        updated += len(changed)
        progress(
            f"  {seen:,} persons read, {updated:,} updated, {time.perf_counter() - started:.0f} s"
        )
    with connection.cursor() as cursor:
        # The planner needs the new key distributions (PostgreSQL: autovacuum would come later).
        cursor.execute(f"ANALYZE {table}")
    return updated
