"""Tampering by someone with the database owner's rights shows without a hand-kept anchor.

The attacker here knows the source code and can run SQL, but does not hold TSUNAGU_AUDIT_KEY.
"""

from io import StringIO

from django.core.management import CommandError, call_command
from django.db import connection

from audit.models import AuditEvent
from audit.services import audit_record
from audit.tests.tampering import plain_sha256, tamper
from tsunagu.test import BaseTestCase


def rehash_from(first_id: int, *, change: dict[str, object], to_legacy: bool = False) -> None:
    """The 20-line script: alter one row, then recompute the SHA-256 chain of every later row."""
    rows = list(AuditEvent.objects.filter(id__gte=first_id - 1).order_by("id").values())
    previous_hash = rows[0]["hash"] if rows[0]["id"] == first_id - 1 else "0" * 64
    for row in rows:
        if row["id"] < first_id:
            continue
        if row["id"] == first_id:
            row.update(change)
        row["prev_hash"] = previous_hash
        row["hash"] = plain_sha256(row)
        columns = ["actor_id", "object_id", "prev_hash", "hash"]
        values = [row[column] for column in columns]
        if to_legacy:
            columns.append("hash_alg")
            values.append("sha256")
        assignments = ", ".join(f"{column} = %s" for column in columns)
        statement = f"UPDATE audit_auditevent SET {assignments} WHERE id = %s"  # noqa: S608
        tamper(statement, [*values, row["id"]])
        previous_hash = row["hash"]


class RehashAttackTests(BaseTestCase):
    def setUp(self) -> None:
        for number in range(6):
            audit_record(
                action=AuditEvent.Action.READ,
                actor=self.soudan,
                object_type="people.person",
                object_id=number + 1,
            )

    def verify(self) -> str:
        out = StringIO()
        call_command("verify_audit", stdout=out, stderr=StringIO())
        return out.getvalue()

    def test_the_untouched_chain_verifies_without_an_anchor(self) -> None:
        self.assertIn("監査ログ 6 行のハッシュ連鎖は正常です", self.verify())

    def test_it_detects_a_row_altered_and_the_rest_rehashed_with_sha256(self) -> None:
        rehash_from(3, change={"actor_id": self.douryou.pk})
        with self.assertRaisesMessage(CommandError, "#3 — 行 #3 の内容がハッシュと一致しません"):
            self.verify()

    def test_it_detects_keyed_rows_flipped_to_legacy_and_rehashed(self) -> None:
        rehash_from(4, change={"object_id": "99"}, to_legacy=True)
        with self.assertRaisesMessage(
            CommandError, "#4 — 行 #4 は鍵なしの旧方式ですが、鍵付きの行 #1 より後にあります"
        ):
            self.verify()

    def test_it_detects_every_row_flipped_to_legacy_from_the_signed_boundary(self) -> None:
        rehash_from(1, change={"object_id": "99"}, to_legacy=True)
        with self.assertRaisesMessage(
            CommandError, "#1 — 行 #1 は鍵なしの旧方式ですが、鍵なしの行は開始点の記録で #0 まで"
        ):
            self.verify()

    def test_it_detects_a_boundary_moved_to_cover_rows_flipped_to_legacy(self) -> None:
        rehash_from(1, change={"object_id": "99"}, to_legacy=True)
        last_hash = AuditEvent.objects.get(id=6).hash
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_chainboundary SET legacy_last_id = 6, legacy_last_hash = %s",
                [last_hash],
            )
        with self.assertRaisesMessage(CommandError, "開始点の記録の署名が一致しません"):
            self.verify()

    def test_it_detects_a_removed_boundary(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_chainboundary")
        with self.assertRaisesMessage(
            CommandError, "開始点の記録（audit_chainboundary）がありません"
        ):
            self.verify()


class TriggerTests(BaseTestCase):
    def setUp(self) -> None:
        audit_record(action=AuditEvent.Action.LOGIN, actor=self.soudan)

    def verify_error(self) -> str:
        with self.assertRaises(CommandError) as raised:
            call_command("verify_audit", stdout=StringIO(), stderr=StringIO())
        return str(raised.exception)

    def test_the_triggers_are_reported_present(self) -> None:
        out = StringIO()
        call_command("verify_audit", stdout=out)
        self.assertIn(
            f"追記のみを守るトリガー: そろっています（{connection.vendor}）", out.getvalue()
        )

    def test_a_dropped_trigger_is_reported(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("DROP TRIGGER audit_no_truncate ON audit_auditevent")
                name = "audit_no_truncate（TRUNCATE を拒否）"
            else:
                cursor.execute("DROP TRIGGER audit_no_delete")
                name = "audit_no_delete（DELETE を拒否）"
        self.assertIn(f"追記のみを守るトリガー {name}がありません", self.verify_error())

    def test_a_trigger_made_harmless_is_reported(self) -> None:
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger"
                    " LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"
                )
                name = "audit_no_change（UPDATE・DELETE を拒否）"
            else:
                cursor.execute("DROP TRIGGER audit_no_update")
                cursor.execute(
                    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditevent"
                    " BEGIN SELECT 1; END"
                )
                name = "audit_no_update（UPDATE を拒否）"
        self.assertIn(f"{name}が書き換えられ、変更を拒否しなくなっています", self.verify_error())

    def test_a_disabled_trigger_is_reported_on_postgresql(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("DISABLE TRIGGER is PostgreSQL's")
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_no_change")
        self.assertIn(
            "audit_no_change（UPDATE・DELETE を拒否）が無効にされています", self.verify_error()
        )
