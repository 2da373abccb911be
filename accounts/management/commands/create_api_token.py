from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.services import ApiTokenRefused, issue_api_token

EXPIRES_HELP = (
    "有効期限: 日数（例: 30）または日付（例: 2026-03-31、その日の終わりまで有効）。"
    "省略時は TSUNAGU_API_TOKEN_DAYS 日"
)
BAD_EXPIRES_MESSAGE = "--expires には日数（例: 30）か日付（例: 2026-03-31）を指定してください: {}"


def parse_expiry(value: str) -> datetime:
    """`30` → 30 days from now; `2026-03-31` → the end of that day (Japan time)."""
    value = value.strip()
    if value.isdigit():
        days = int(value)
        if days < 1:
            raise CommandError(BAD_EXPIRES_MESSAGE.format(value))
        return timezone.now() + timedelta(days=days)
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise CommandError(BAD_EXPIRES_MESSAGE.format(value)) from None
    return timezone.make_aware(datetime.combine(day, time.max))


class Command(BaseCommand):
    help = "職員の個人用APIトークンを発行して表示します（表示は一度だけです）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--expires", help=EXPIRES_HELP)

    def handle(self, *args: Any, username: str, expires: str | None, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"利用中の職員 {username!r} が見つかりません。")
        expires_at = parse_expiry(expires) if expires else None
        try:
            api_token, token = issue_api_token(user=user, expires_at=expires_at)
        except ApiTokenRefused as error:
            raise CommandError(str(error)) from None
        self.stdout.write(token)
        until = timezone.localtime(api_token.expires_at)
        self.stderr.write(f"有効期限: {until:%Y-%m-%d %H:%M}（既定 {settings.API_TOKEN_DAYS} 日）")
