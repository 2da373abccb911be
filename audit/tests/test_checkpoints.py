"""Signed checkpoints outside the database: what they record, what verify_audit finds with them."""

import json
import shutil
import socket
import tempfile
from io import StringIO
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import override_settings

from audit.checkpoints import Checkpoint, CheckpointError, parse_checkpoint, write_checkpoint
from audit.models import AuditEvent
from audit.services import audit_record
from audit.tests.tampering import tamper
from tsunagu.test import BaseTestCase


class CheckpointTestCase(BaseTestCase):
    """Each test gets its own checkpoint file in a temporary directory."""

    def setUp(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="tsunagu-audit-"))
        self.addCleanup(shutil.rmtree, self.directory, ignore_errors=True)
        self.path = self.directory / "audit-checkpoints.jsonl"
        settings = override_settings(
            AUDIT_CHECKPOINT_FILE=str(self.path), AUDIT_CHECKPOINT_SYSLOG=""
        )
        settings.enable()
        self.addCleanup(settings.disable)
        for number in range(5):
            self.append(number)

    def append(self, number: int = 0) -> AuditEvent:
        return audit_record(
            action=AuditEvent.Action.READ,
            actor=self.soudan,
            object_type="cases.case",
            object_id=number + 1,
        )

    def lines(self) -> list[dict[str, object]]:
        return [json.loads(line) for line in self.path.read_text().splitlines()]

    def verify(self, **options: object) -> str:
        out = StringIO()
        call_command("verify_audit", stdout=out, stderr=StringIO(), **options)
        return out.getvalue()


class WritingCheckpointsTests(CheckpointTestCase):
    def test_a_checkpoint_line_names_the_last_row_its_hash_and_the_count(self) -> None:
        checkpoint = write_checkpoint()
        (line,) = self.lines()
        self.assertEqual(line["last_id"], 5)
        self.assertEqual(line["last_hash"], AuditEvent.objects.get(id=5).hash)
        self.assertEqual(line["count"], 5)
        self.assertEqual(parse_checkpoint(self.path.read_text()), checkpoint)
        self.assertIsNone(checkpoint.signature_problem())

    def test_it_writes_nothing_when_the_chain_has_not_grown(self) -> None:
        first = write_checkpoint()
        self.assertEqual(write_checkpoint(), first)
        self.assertEqual(len(self.lines()), 1)
        self.append()
        self.assertEqual(write_checkpoint().last_id, 6)
        self.assertEqual([line["last_id"] for line in self.lines()], [5, 6])

    def test_the_command_writes_a_checkpoint_and_says_where(self) -> None:
        out = StringIO()
        call_command("audit_checkpoint", stdout=out)
        self.assertIn("チェックポイント: 最終行 #5、5 行", out.getvalue())
        self.assertIn(str(self.path), out.getvalue())
        self.assertEqual(len(self.lines()), 1)

    @override_settings(AUDIT_CHECKPOINT_FILE="", AUDIT_CHECKPOINT_SYSLOG="")
    def test_it_refuses_to_checkpoint_without_a_destination(self) -> None:
        with self.assertRaisesMessage(CommandError, "チェックポイントの出力先がありません"):
            call_command("audit_checkpoint", stdout=StringIO())

    def test_it_sends_the_signed_checkpoint_to_syslog(self) -> None:
        address = str(self.directory / "log.sock")
        receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(receiver.close)
        receiver.bind(address)
        receiver.settimeout(5)
        with override_settings(AUDIT_CHECKPOINT_FILE="", AUDIT_CHECKPOINT_SYSLOG=address):
            checkpoint = write_checkpoint()
        message = receiver.recv(4096).decode()
        # <priority>ident message: authpriv.info is (10 << 3) | 6 = 86.
        self.assertTrue(message.startswith("<86>tsunagu-audit: {"), message)
        sent = parse_checkpoint(message.split("tsunagu-audit: ", 1)[1].rstrip("\x00"))
        self.assertEqual(sent, checkpoint)
        self.assertEqual(sent.last_id, 5)
        self.assertFalse(self.path.exists())

    def test_it_refuses_an_unreachable_or_malformed_syslog_address(self) -> None:
        missing = str(self.directory / "no-such.sock")
        with (
            override_settings(AUDIT_CHECKPOINT_SYSLOG=missing),
            self.assertRaisesMessage(CheckpointError, f"syslog（{missing}）に送れませんでした"),
        ):
            write_checkpoint()
        # Nothing was appended to the file either, so the next call sends both again.
        self.assertFalse(self.path.exists() and self.path.read_text())
        with (
            override_settings(AUDIT_CHECKPOINT_SYSLOG="logs.example.lg.jp"),
            self.assertRaisesMessage(CheckpointError, "ホスト:ポート"),
        ):
            write_checkpoint()


class VerifyingCheckpointsTests(CheckpointTestCase):
    def test_an_intact_chain_verifies_against_its_checkpoints(self) -> None:
        write_checkpoint()
        self.append()
        write_checkpoint()
        out = self.verify()
        self.assertIn("監査ログ 6 行のハッシュ連鎖は正常です", out)
        self.assertIn("チェックポイント 2 件を確認しました", out)
        self.assertIn("最新は #6", out)

    def test_deleting_the_tail_is_detected_from_the_checkpoint_file(self) -> None:
        write_checkpoint()
        tamper("DELETE FROM audit_auditevent WHERE id >= %s", [4])
        with self.assertRaisesMessage(
            CommandError, "#4 — 行 #4〜#5 が削除されています（末尾の削除: チェックポイント"
        ):
            self.verify()

    def test_a_forged_checkpoint_line_is_detected(self) -> None:
        genuine = write_checkpoint()
        forged = Checkpoint(
            last_id=3,
            last_hash=AuditEvent.objects.get(id=3).hash,
            count=3,
            at=genuine.at,
            key_id=genuine.key_id,
            signature=genuine.signature,
        )
        with self.path.open("a") as file:
            file.write(forged.to_line() + "\n")
        with self.assertRaisesMessage(
            CommandError,
            "audit-checkpoints.jsonl の 2 行目（#3 と称するもの）: 署名が一致しません",
        ):
            self.verify()

    def test_a_checkpoint_under_an_unknown_key_is_reported(self) -> None:
        write_checkpoint()
        line = self.lines()[0] | {"key_id": "0123456789ab"}
        self.path.write_text(json.dumps(line) + "\n")
        with self.assertRaisesMessage(
            CommandError, "鍵 ID 0123456789ab の鍵が TSUNAGU_AUDIT_KEY にありません"
        ):
            self.verify()

    def test_an_unreadable_checkpoint_line_is_reported_with_its_line_number(self) -> None:
        write_checkpoint()
        with self.path.open("a") as file:
            file.write("{not json\n")
        with self.assertRaisesMessage(CommandError, "の 2 行目: チェックポイントとして読めません"):
            self.verify()

    def test_a_row_that_no_longer_matches_its_checkpoint_is_named(self) -> None:
        write_checkpoint()
        tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, 5])
        errors = StringIO()
        with self.assertRaises(CommandError):
            call_command("verify_audit", stdout=StringIO(), stderr=errors)
        self.assertIn(
            "#5 — 行 #5 のハッシュが チェックポイント audit-checkpoints.jsonl の 1 行目",
            errors.getvalue(),
        )

    def test_it_checks_a_copy_of_the_checkpoints_given_by_path(self) -> None:
        write_checkpoint()
        copy = self.directory / "shipped-copy.jsonl"
        shutil.copy(self.path, copy)
        self.path.unlink()
        self.assertIn("チェックポイントのファイルがないため", self.verify())
        self.assertIn("チェックポイント 1 件を確認しました", self.verify(checkpoints=str(copy)))
        tamper("DELETE FROM audit_auditevent WHERE id = %s", [5])
        with self.assertRaisesMessage(CommandError, "行 #5〜#5 が削除されています（末尾の削除"):
            self.verify(checkpoints=str(copy))

    def test_it_refuses_a_checkpoints_path_that_does_not_exist(self) -> None:
        with self.assertRaisesMessage(CommandError, "チェックポイントのファイル"):
            self.verify(checkpoints=str(self.directory / "missing.jsonl"))
