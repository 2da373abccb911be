from io import StringIO
from itertools import pairwise

from django.core.management import CommandError, call_command
from django.db import connection, transaction

from audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent
from audit.services import audit_record, verify_chain
from audit.tests.tampering import tamper as _tamper
from tsunagu.test import BaseTestCase


class AuditChainTests(BaseTestCase):
    def setUp(self) -> None:
        for _ in range(5):
            audit_record(
                action=AuditEvent.Action.READ,
                actor=self.soudan,
                object_type="x.y",
                object_id=1,
                fields=["name"],
            )

    def run_verify(self) -> str:
        out = StringIO()
        call_command("verify_audit", stdout=out)
        return out.getvalue()

    def test_rows_link_to_the_previous_rows_hash(self) -> None:
        rows = self.audit_rows()
        self.assertEqual([row.id for row in rows], [1, 2, 3, 4, 5])
        self.assertEqual(rows[0].prev_hash, GENESIS_HASH)
        for previous, row in pairwise(rows):
            self.assertEqual(row.prev_hash, previous.hash)

    def test_an_intact_chain_verifies(self) -> None:
        self.assertEqual(list(verify_chain()), [])
        self.assertIn("監査ログ 5 行のハッシュ連鎖は正常です", self.run_verify())

    def test_it_names_the_row_whose_content_was_altered(self) -> None:
        _tamper("UPDATE audit_auditevent SET object_id = %s WHERE id = %s", ["2", 3])
        with self.assertRaisesMessage(CommandError, "#3 — 行 #3 の内容がハッシュと一致しません"):
            self.run_verify()

    def test_it_names_the_altered_row_when_its_hash_was_recomputed(self) -> None:
        row = AuditEvent.objects.get(id=2)
        row.actor_id = self.douryou.pk
        _tamper(
            "UPDATE audit_auditevent SET actor_id = %s, hash = %s WHERE id = %s",
            [self.douryou.pk, row.compute_hash(), 2],
        )
        with self.assertRaisesMessage(CommandError, "#2 — 行 #2 が書き換えられ"):
            self.run_verify()

    def test_it_names_the_row_that_was_removed(self) -> None:
        _tamper("DELETE FROM audit_auditevent WHERE id = %s", [4])
        with self.assertRaisesMessage(CommandError, "#4 — 行 #4 が削除されています"):
            self.run_verify()

    def test_the_model_refuses_updates_and_deletes(self) -> None:
        row = AuditEvent.objects.get(id=1)
        with self.assertRaises(AppendOnlyError):
            row.save()
        with self.assertRaises(AppendOnlyError):
            row.delete()
        with self.assertRaises(AppendOnlyError):
            AuditEvent.objects.filter(id=1).update(action="login")
        with self.assertRaises(AppendOnlyError):
            AuditEvent.objects.all().delete()

    def test_the_database_refuses_updates_even_with_raw_sql(self) -> None:
        with (
            self.assertRaises(Exception) as raised,
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("UPDATE audit_auditevent SET action = 'login' WHERE id = 1")
        self.assertIn("append-only", str(raised.exception))
        self.assertEqual(AuditEvent.objects.get(id=1).action, "read")

    def test_an_audit_row_rolls_back_with_the_change_it_records(self) -> None:
        try:
            with transaction.atomic():
                audit_record(action=AuditEvent.Action.UPDATE, actor=self.soudan)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        self.assertEqual(AuditEvent.objects.count(), 5)
        self.assertEqual(list(verify_chain()), [])


class AnchorTests(BaseTestCase):
    def test_an_anchor_detects_rows_removed_from_the_end(self) -> None:
        for _ in range(3):
            audit_record(action=AuditEvent.Action.LOGIN, actor=self.soudan)
        out = StringIO()
        call_command("verify_audit", stdout=out)
        anchor = out.getvalue().split("最終行（控えてください）: ")[1].strip()
        self.assertEqual(anchor, f"3:{AuditEvent.objects.get(id=3).hash}")
        call_command("verify_audit", anchor=anchor, stdout=StringIO())
        _tamper("DELETE FROM audit_auditevent WHERE id = %s", [3])
        with self.assertRaisesMessage(CommandError, "控えておいた行 #3 が見つからない"):
            call_command("verify_audit", anchor=anchor, stdout=StringIO())
