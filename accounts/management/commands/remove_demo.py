from typing import Any

from django.core.management.base import BaseCommand

from accounts.models import User


class Command(BaseCommand):
    help = "デモ用アカウントを無効にし、パスワードを使えなくします（監査ログの参照は残ります）。"

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for user in User.objects.filter(is_demo=True):
            user.set_unusable_password()
            user.is_active = False
            user.is_demo = False
            user.username = f"removed-demo-{user.pk}"
            user.save(update_fields=["password", "is_active", "is_demo", "username"])
            count += 1
        self.stdout.write(f"デモ用アカウント {count} 件を無効にしました。")
