from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.models import AuditEvent
from audit.services import verify_chain


class Command(BaseCommand):
    help = "監査ログのハッシュ連鎖を先頭から検証し、最初に改ざん・削除された行を示します。"

    def handle(self, *args: Any, **options: Any) -> None:
        breaks = verify_chain()
        first = next(breaks, None)
        if first is not None:
            others = sum(1 for _ in breaks)
            more = f"（ほかに {others} 箇所の不整合）" if others else ""
            raise CommandError(
                f"監査ログの改ざんを検出しました: #{first.row_id} — {first.reason}{more}"
            )
        count = AuditEvent.objects.count()
        self.stdout.write(self.style.SUCCESS(f"監査ログ {count} 行のハッシュ連鎖は正常です。"))
