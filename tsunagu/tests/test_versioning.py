"""The versioned-update helper itself: stale refusal, no-change, only changed columns written, the
audit row once and in the same transaction, rollback on an exception inside."""

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent
from audit.services import audit_update
from people.models import Person
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase
from tsunagu.versioning import StaleVersionError, versioned_edit

STALE = "ほかの人が先に更新しました。"


def updated_columns(sql: str) -> list[str]:
    """The columns an UPDATE sets, less the name keys Person.save always derives afresh."""
    assignments = sql.split(" SET ")[1].split(" WHERE ")[0]
    columns = {part.split(" = ")[0].strip('"') for part in assignments.split(", ")}
    return sorted(columns - set(Person.KEY_COLUMNS))


class VersionedEditTests(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.soudan.organisation, "山田", "太郎", alias="Bさん")
        self.audit = audit_update(actor=self.soudan)

    def edit(self, version: int | None, **kwargs: Any) -> Any:
        return versioned_edit(
            Person, pk=self.person.pk, version=version, stale_message=STALE, **kwargs
        )

    def updates(self) -> list[AuditEvent]:
        return self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.person.pk))

    def test_it_refuses_a_stale_version_with_the_current_one_and_saves_nothing(self) -> None:
        Person.objects.filter(pk=self.person.pk).update(version=3)
        with self.assertRaises(StaleVersionError) as raised, self.edit(2, audit=self.audit) as e:
            e.change({"alias": "変わらないはず"})
        self.assertEqual(str(raised.exception), STALE)
        self.assertEqual(raised.exception.current_version, 3)
        self.person.refresh_from_db()
        self.assertEqual((self.person.alias, self.person.version), ("Bさん", 3))
        self.assertEqual(self.updates(), [])

    def test_it_saves_nothing_and_audits_nothing_when_nothing_changed(self) -> None:
        with CaptureQueriesContext(connection) as queries, self.edit(1, audit=self.audit) as e:
            e.change({"alias": "Bさん", "family_name": "山田"})
        self.assertEqual(e.changed, [])
        self.assertFalse(any(q["sql"].startswith("UPDATE") for q in queries.captured_queries))
        self.person.refresh_from_db()
        self.assertEqual(self.person.version, 1)
        self.assertEqual(self.updates(), [])

    def test_the_update_names_only_the_changed_columns_the_version_and_the_stamp(self) -> None:
        with CaptureQueriesContext(connection) as queries, self.edit(1, audit=self.audit) as e:
            e.change({"alias": "Cさん", "family_name": "山田"})
            e.also({"given_name": "次郎"})
        person_updates = [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].startswith('UPDATE "people_person"')
        ]
        self.assertEqual(len(person_updates), 1)
        self.assertEqual(
            updated_columns(person_updates[0]), ["alias", "given_name", "updated_at", "version"]
        )
        # The increment is done by the database (version = version + 1), not from a stale read.
        self.assertIn('"version" = ("people_person"."version" + ', person_updates[0])
        self.person.refresh_from_db()
        self.assertEqual((self.person.alias, self.person.given_name), ("Cさん", "次郎"))
        self.assertEqual(e.record.version, 2)

    def test_the_audit_row_is_written_once_with_the_changed_fields_and_the_detail(self) -> None:
        with self.edit(1, audit=audit_update(actor=self.soudan, detail={"from": "test"})) as e:
            e.change({"alias": "Cさん"})
            e.also({"given_name": "次郎"})  # follows from the change: saved, not audited
            e.mark("team")
            e.detail["restriction"] = "set"
        (row,) = self.updates()
        self.assertEqual(row.actor, self.soudan)
        self.assertEqual(
            row.detail, {"from": "test", "restriction": "set", "fields": ["alias", "team"]}
        )

    def test_the_audit_row_joins_the_transaction_of_the_change(self) -> None:
        seen: list[tuple[bool, int]] = []

        def audit(record: models.Model, fields: Sequence[str], detail: Mapping[str, Any]) -> None:
            # Inside the edit's transaction the new version is already visible, with the lock.
            saved = Person.objects.values_list("version", flat=True).get(pk=record.pk)
            seen.append((connection.in_atomic_block, saved))
            raise RuntimeError("the audit row could not be written")

        with self.assertRaises(RuntimeError), self.edit(1, audit=audit) as e:
            e.change({"alias": "Cさん"})
        self.assertEqual(seen, [(True, 2)])
        self.person.refresh_from_db()
        self.assertEqual((self.person.alias, self.person.version), ("Bさん", 1))

    def test_an_exception_inside_the_block_rolls_everything_back(self) -> None:
        with self.assertRaises(ValueError), self.edit(1, audit=self.audit) as e:
            e.change({"alias": "Cさん"})
            Person.objects.filter(pk=self.person.pk).update(family_name="書き換え")
            raise ValueError("refused after the change")
        self.person.refresh_from_db()
        self.assertEqual((self.person.alias, self.person.family_name), ("Bさん", "山田"))
        self.assertEqual(self.person.version, 1)
        self.assertEqual(self.updates(), [])

    def test_no_version_skips_the_comparison_and_still_bumps(self) -> None:
        Person.objects.filter(pk=self.person.pk).update(version=5)
        with self.edit(None, audit=self.audit) as e:
            e.change({"alias": "Cさん"})
        self.assertEqual(e.record.version, 6)

    def test_a_mark_alone_bumps_the_version_and_writes_no_other_column(self) -> None:
        with CaptureQueriesContext(connection) as queries, self.edit(1, audit=self.audit) as e:
            e.mark("memberships")
        (update,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
        self.assertEqual(updated_columns(update), ["updated_at", "version"])
        self.assertEqual(e.record.version, 2)
        (row,) = self.updates()
        self.assertEqual(row.detail["fields"], ["memberships"])

    def test_the_row_is_locked_for_update(self) -> None:
        with CaptureQueriesContext(connection) as queries, self.edit(1, audit=self.audit):
            pass
        (select,) = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
        self.assertIn('FROM "people_person"', select)
        if connection.features.has_select_for_update:  # PostgreSQL; SQLite locks the database
            self.assertIn("FOR UPDATE", select)
