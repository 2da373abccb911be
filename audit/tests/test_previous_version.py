"""A correction keeps the previous version: written with the edit, named by its audit row,
encrypted at rest, never changed or removed."""

from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AppendOnlyError, AuditEvent, PreviousVersion
from audit.services import audit_update, keep_previous_version, previous_versions
from audit.versions import versions_shown
from people.models import Person
from people.tests.helpers import make_person
from tsunagu.fields import is_token
from tsunagu.test import BaseTestCase
from tsunagu.versioning import versioned_edit

STALE = "ほかの人が先に更新しました。"


class PreviousVersionTests(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.soudan.organisation, "山田", "太郎", alias="Bさん")

    def correct(self, reason: str, **data: object) -> PreviousVersion | None:
        with versioned_edit(
            Person,
            pk=self.person.pk,
            version=1,
            stale_message=STALE,
            audit=audit_update(actor=self.soudan),
            keep=keep_previous_version(by=self.soudan, reason=reason),
        ) as edit:
            edit.change(data)
        kept = previous_versions(self.person)
        return kept[0] if kept else None

    def test_the_previous_values_are_kept_with_the_reason_and_named_by_the_audit_row(self) -> None:
        kept = self.correct("通称の聞き間違い", alias="Cさん")
        assert kept is not None
        self.assertEqual(kept.version, 1)
        self.assertEqual(kept.changes, {"alias": ["Bさん", "Cさん"]})
        self.assertEqual((kept.reason, kept.by), ("通称の聞き間違い", self.soudan))
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.person.pk))
        self.assertEqual(row.detail["previous_version"], kept.pk)
        self.assertTrue(row.detail["correction"])
        (shown,) = versions_shown(Person, [kept])
        self.assertEqual([(c.before, c.after) for c in shown.changes], [("Bさん", "Cさん")])

    def test_the_kept_values_and_the_reason_are_encrypted_at_rest(self) -> None:
        kept = self.correct("通院先の名前を誤記", alias="Cさん")
        assert kept is not None
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT changes, reason FROM audit_previousversion WHERE id = %s", [kept.pk]
            )
            changes, reason = cursor.fetchone()
        self.assertTrue(is_token(changes) and is_token(reason))
        self.assertNotIn("Bさん", changes)

    def test_a_blank_reason_is_refused_before_anything_is_saved(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.correct("  ", alias="Cさん")
        self.assertIn("訂正の理由を入力してください", str(raised.exception))
        self.person.refresh_from_db()
        self.assertEqual((self.person.alias, self.person.version), ("Bさん", 1))

    def test_nothing_changed_keeps_nothing(self) -> None:
        self.assertIsNone(self.correct("念のため", alias="Bさん"))

    def test_a_kept_version_can_be_neither_changed_nor_removed(self) -> None:
        kept = self.correct("誤記", alias="Cさん")
        assert kept is not None
        for attempt in (
            kept.save,
            kept.delete,
            PreviousVersion.objects.all().delete,
            lambda: PreviousVersion.objects.update(reason="書き換え"),
        ):
            with self.assertRaises(AppendOnlyError):
                attempt()
        self.assertEqual(PreviousVersion.objects.count(), 1)

    def test_the_audit_log_page_marks_the_correction_with_its_kept_version(self) -> None:
        kept = self.correct("誤記", alias="Cさん")
        assert kept is not None
        self.login(self.kansa)
        response = self.client.get("/audit/")
        self.assertContains(response, f"訂正（前の版 #{kept.pk} を保存）")
        self.assertNotContains(response, "Bさん")
