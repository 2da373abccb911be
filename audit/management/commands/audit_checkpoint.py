from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import CheckpointError, write_checkpoint


class Command(BaseCommand):
    help = (
        "監査ログの末尾（最終行の番号とハッシュ、行数、時刻）を鍵で署名したチェックポイントを、"
        "TSUNAGU_AUDIT_CHECKPOINT_FILE に追記し、TSUNAGU_AUDIT_CHECKPOINT_SYSLOG に送ります。"
        "前回から監査ログが増えていなければ何も書きません。定期的に実行してください。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            checkpoint = write_checkpoint()
        except CheckpointError as error:
            raise CommandError(str(error)) from None
        destinations = [
            name
            for name in (settings.AUDIT_CHECKPOINT_FILE, settings.AUDIT_CHECKPOINT_SYSLOG)
            if name
        ]
        self.stdout.write(
            f"チェックポイント: 最終行 #{checkpoint.last_id}、{checkpoint.count} 行、"
            f"{checkpoint.at}（{'、'.join(destinations)}）"
        )
