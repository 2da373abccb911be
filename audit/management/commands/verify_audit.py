from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from audit.models import AuditEvent
from audit.services import verify_chain


class Command(BaseCommand):
    help = (
        "監査ログのハッシュ連鎖を先頭から検証し、最初に改ざん・削除された行を示します。"
        "末尾の行の削除は連鎖だけでは分からないため、表示される最終行の番号とハッシュを"
        "別の場所に控え、次回 --anchor 番号:ハッシュ で確かめてください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            help="以前に控えた「番号:ハッシュ」。その行が残っていて内容が同じかを確かめます。",
        )

    def handle(self, *args: Any, anchor: str | None = None, **options: Any) -> None:
        breaks = verify_chain()
        first = next(breaks, None)
        if first is not None:
            others = sum(1 for _ in breaks)
            more = f"（ほかに {others} 箇所の不整合）" if others else ""
            raise CommandError(
                f"監査ログの改ざんを検出しました: #{first.row_id} — {first.reason}{more}"
            )
        if anchor:
            self._check_anchor(anchor)
        last = AuditEvent.objects.order_by("-id").values_list("id", "hash").first()
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"監査ログ {count} 行のハッシュ連鎖は正常です。"))
        if last:
            self.stdout.write(f"最終行（控えてください）: {last[0]}:{last[1]}")

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
