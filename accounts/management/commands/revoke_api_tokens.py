from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import TokenRevocation, revoke_api_tokens


class Command(BaseCommand):
    help = "職員の個人用APIトークンをすべて失効させます（失効したトークンは二度と使えません）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"職員 {username!r} が見つかりません。")
        count = revoke_api_tokens(user=user, reason=TokenRevocation.BY_COMMAND)
        self.stdout.write(f"{user.username} のAPIトークン {count} 件を失効させました。")
