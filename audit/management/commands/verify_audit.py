from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from audit.checkpoints import checkpoint_file
from audit.models import AuditEvent
from audit.triggers import trigger_check_supported
from audit.verification import AuditReport, checkpoint_time, verify_audit_log


class Command(BaseCommand):
    help = (
        "監査ログを検証します: 鍵（TSUNAGU_AUDIT_KEY）でハッシュ連鎖を先頭から確かめ、"
        "チェックポイントのファイルの各行（署名と、その行がデータベースに同じ内容で残っているか、"
        "末尾の削除）と、追記のみを守るトリガーを確かめます。問題があれば行の番号を示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--checkpoints",
            metavar="PATH",
            help="確かめるチェックポイントのファイル（サーバーの外に送った写しなど）。"
            "省略時は TSUNAGU_AUDIT_CHECKPOINT_FILE。",
        )
        parser.add_argument(
            "--anchor",
            help="以前に控えた「番号:ハッシュ」。その行が残っていて内容が同じかを確かめます。",
        )

    def handle(
        self,
        *args: Any,
        anchor: str | None = None,
        checkpoints: str | None = None,
        **options: Any,
    ) -> None:
        path = self._checkpoint_path(checkpoints)
        report = verify_audit_log(path)
        if report.findings:
            for finding in report.findings:
                self.stderr.write(f"- {self._describe(finding.row_id, finding.reason)}")
            first, others = report.findings[0], len(report.findings) - 1
            more = f"（ほかに {others} 箇所の不整合）" if others else ""
            found = self._describe(first.row_id, first.reason)
            raise CommandError(f"監査ログの改ざんを検出しました: {found}{more}")
        if anchor:
            self._check_anchor(anchor)
        self._write_success(report, checkpoint_given=checkpoints is not None)

    @staticmethod
    def _describe(row_id: int | None, reason: str) -> str:
        return f"#{row_id} — {reason}" if row_id is not None else reason

    def _checkpoint_path(self, given: str | None) -> Path | None:
        if given is not None:
            path = Path(given)
            if not path.is_file():
                raise CommandError(f"チェックポイントのファイル {given} が見つかりません。")
            return path
        configured = checkpoint_file()
        return configured if configured is not None and configured.is_file() else None

    def _write_success(self, report: AuditReport, *, checkpoint_given: bool) -> None:
        chain = report.chain
        self.stdout.write(self.style.SUCCESS(f"監査ログ {chain.rows} 行のハッシュ連鎖は正常です。"))
        keyed = sum(chain.rows_by_key.values())
        by_key = "、".join(f"鍵 ID {key_id}: {n} 行" for key_id, n in chain.rows_by_key.items())
        self.stdout.write(
            f"鍵付き（HMAC-SHA256）の行: {keyed} 行" + (f"（{by_key}）" if by_key else "")
        )
        if chain.legacy_rows:
            self.stdout.write(
                f"鍵なし（旧方式 SHA-256）の行: {chain.legacy_rows} 行"
                f"（#1〜#{chain.legacy_rows}、鍵付きの連鎖より前。開始点の記録と一致）"
            )
        self._write_checkpoint_result(report, checkpoint_given=checkpoint_given)
        if trigger_check_supported():
            self.stdout.write(f"追記のみを守るトリガー: そろっています（{connection.vendor}）。")
        if chain.rows:
            self.stdout.write(f"最終行（控えてください）: {chain.last_id}:{chain.last_hash}")

    def _write_checkpoint_result(self, report: AuditReport, *, checkpoint_given: bool) -> None:
        checked = report.checkpoints
        if checked is None:
            configured = checkpoint_file()
            where = f"（{configured} がまだありません）" if configured else "（設定されていません）"
            self.stdout.write(
                self.style.WARNING(
                    f"チェックポイントのファイルがないため、末尾の削除は確かめていません{where}。"
                    " manage.py audit_checkpoint を定期的に実行してください。"
                )
            )
            return
        latest = checked.latest
        tail = f"、最新は #{latest.last_id}（{checkpoint_time(latest)}）" if latest else ""
        self.stdout.write(
            f"チェックポイント {checked.checked} 件を確認しました（{checked.path}{tail}）。"
        )

    def _check_anchor(self, anchor: str) -> None:
        row_id, _, expected = anchor.partition(":")
        if not row_id.isdigit() or len(expected) != 64:
            raise CommandError("--anchor は「番号:ハッシュ（64桁）」の形で指定してください。")
        stored = AuditEvent.objects.filter(id=int(row_id)).values_list("hash", flat=True).first()
        if stored != expected:
            raise CommandError(
                f"控えておいた行 #{row_id} が見つからないか、内容が変わっています"
                "（末尾の行が削除された可能性があります）。"
            )
