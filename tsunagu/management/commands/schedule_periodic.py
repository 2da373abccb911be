from typing import Any

from django.core.management.base import BaseCommand

from tsunagu.periodic import schedule_all


class Command(BaseCommand):
    help = "定期処理（期限切れセッションの削除、監査ログのチェックポイントなど）を登録します。"

    def handle(self, *args: Any, **options: Any) -> None:
        queued = schedule_all()
        if queued:
            self.stdout.write("登録しました: " + ", ".join(queued))
        else:
            self.stdout.write("すべての定期処理はすでに登録されています。")
