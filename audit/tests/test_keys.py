"""The audit key: rotation, legacy rows from before the key, and production's requirement."""

from io import StringIO
from itertools import pairwise

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from audit.keys import audit_keys, current_key, development_secret, key_id_of
from audit.models import AuditEvent, ChainBoundary
from audit.services import BOUNDARY_EXISTS, audit_record, record_chain_boundary
from audit.tests.tampering import plain_sha256, tamper
from tsunagu.test import BaseTestCase

OLD_KEY = "old-audit-key-for-tests-only-0123456789abcdef"
NEW_KEY = "new-audit-key-for-tests-only-fedcba9876543210"


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out, stderr=StringIO())
    return out.getvalue()


class KeyRotationTests(BaseTestCase):
    def setUp(self) -> None:
        with override_settings(AUDIT_KEYS=[OLD_KEY]):
            for _ in range(3):
                audit_record(action=AuditEvent.Action.LOGIN, actor=self.soudan)

    def test_rows_record_the_key_that_hashed_them(self) -> None:
        algorithms = {row.hash_alg for row in self.audit_rows()}
        self.assertEqual(algorithms, {f"hmac-sha256:{key_id_of(OLD_KEY.encode())}"})

    @override_settings(AUDIT_KEYS=[NEW_KEY, OLD_KEY])
    def test_rows_under_the_old_key_verify_after_a_new_key_is_put_first(self) -> None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=self.soudan)
        self.assertEqual(current_key().key_id, key_id_of(NEW_KEY.encode()))
        self.assertEqual(AuditEvent.objects.get(id=4).key_id, key_id_of(NEW_KEY.encode()))
        out = verify()
        self.assertIn("監査ログ 4 行のハッシュ連鎖は正常です", out)
        self.assertIn(f"鍵 ID {key_id_of(OLD_KEY.encode())}: 3 行", out)
        self.assertIn(f"鍵 ID {key_id_of(NEW_KEY.encode())}: 1 行", out)

    @override_settings(AUDIT_KEYS=[NEW_KEY])
    def test_rows_under_a_key_no_longer_configured_are_named(self) -> None:
        old_id = key_id_of(OLD_KEY.encode())
        with self.assertRaisesMessage(
            CommandError, f"#1 — 行 #1: 鍵 ID {old_id} の鍵が TSUNAGU_AUDIT_KEY にありません"
        ):
            verify()

    @override_settings(AUDIT_KEYS=[NEW_KEY, OLD_KEY])
    def test_a_row_relabelled_with_another_key_id_is_detected(self) -> None:
        new_algorithm = f"hmac-sha256:{key_id_of(NEW_KEY.encode())}"
        tamper("UPDATE audit_auditevent SET hash_alg = %s WHERE id = %s", [new_algorithm, 2])
        with self.assertRaisesMessage(CommandError, "#2 — 行 #2 の内容がハッシュと一致しません"):
            verify()


class ProductionKeyTests(BaseTestCase):
    @override_settings(PRODUCTION=True, AUDIT_KEYS=[])
    def test_production_has_no_key_derived_from_the_secret_key(self) -> None:
        with self.assertRaisesMessage(ImproperlyConfigured, "TSUNAGU_AUDIT_KEY"):
            audit_keys()

    @override_settings(PRODUCTION=True, AUDIT_KEYS=[NEW_KEY, OLD_KEY])
    def test_production_uses_the_configured_keys_newest_first(self) -> None:
        self.assertEqual(
            [key.key_id for key in audit_keys()],
            [key_id_of(NEW_KEY.encode()), key_id_of(OLD_KEY.encode())],
        )

    def test_development_derives_its_key_from_the_secret_key_under_its_own_label(self) -> None:
        (key,) = audit_keys()
        self.assertEqual(key.secret, development_secret(settings.SECRET_KEY))
        self.assertNotEqual(key.secret, settings.SECRET_KEY.encode())
        self.assertNotEqual(key.key_id, key_id_of(settings.SECRET_KEY.encode()))


class LegacyRowsTests(BaseTestCase):
    """An installation upgraded with rows from before the key: they keep their SHA-256 hashes."""

    def setUp(self) -> None:
        # The state before migration 0003: no boundary, three unkeyed rows.
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_chainboundary")
        previous = "0" * 64
        for row_id in (1, 2, 3):
            row = AuditEvent(
                id=row_id,
                actor=self.soudan,
                organisation_id=self.soudan.organisation_id,
                action=AuditEvent.Action.READ,
                object_type="people.person",
                object_id=str(row_id),
                detail={"fields": ["name"]},
                prev_hash=previous,
                hash_alg="sha256",
            )
            row.hash = plain_sha256(
                {
                    "actor_id": row.actor_id,
                    "ip_address": None,
                    **{
                        f.attname: getattr(row, f.attname) for f in AuditEvent._meta.concrete_fields
                    },
                }
            )
            row.save(force_insert=True)
            previous = row.hash
        # What migration 0003 does, then life goes on with keyed rows.
        record_chain_boundary()
        for _ in range(2):
            audit_record(action=AuditEvent.Action.LOGIN, actor=self.soudan)

    def test_legacy_rows_keep_verifying_and_are_counted(self) -> None:
        out = verify()
        self.assertIn("監査ログ 5 行のハッシュ連鎖は正常です", out)
        self.assertIn("鍵なし（旧方式 SHA-256）の行: 3 行（#1〜#3、鍵付きの連鎖より前", out)
        self.assertIn("鍵付き（HMAC-SHA256）の行: 2 行", out)
        self.assertEqual(ChainBoundary.objects.get().legacy_last_id, 3)

    def test_the_boundary_is_recorded_only_once(self) -> None:
        with self.assertRaisesMessage(ValueError, BOUNDARY_EXISTS):
            record_chain_boundary()

    def test_legacy_rows_rewritten_and_rehashed_are_detected_by_the_boundary(self) -> None:
        # With plain SHA-256 the attacker can recompute rows 2 and 3, but row 4 (keyed) links to
        # the old hash of row 3, and the signed boundary names it too.
        rows = list(AuditEvent.objects.filter(id__in=[1, 2, 3]).order_by("id").values())
        rows[1]["object_id"] = "99"
        for previous, row in pairwise(rows):
            row["prev_hash"] = previous["hash"]
            row["hash"] = plain_sha256(row)
            tamper(
                "UPDATE audit_auditevent SET object_id = %s, prev_hash = %s, hash = %s"
                " WHERE id = %s",
                [row["object_id"], row["prev_hash"], row["hash"], row["id"]],
            )
        errors = StringIO()
        with self.assertRaisesMessage(
            CommandError, "#3 — 行 #3（鍵なしの最終行）のハッシュが開始点の記録と一致しません"
        ):
            call_command("verify_audit", stdout=StringIO(), stderr=errors)
        self.assertIn("#3 — 行 #3 が書き換えられ、ハッシュが付け直されています", errors.getvalue())
