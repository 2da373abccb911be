from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from audit.services import audit_record


class Command(BaseCommand):
    help = "職員の個人用APIトークンを発行して表示します（表示は一度だけです）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"利用中の職員 {username!r} が見つかりません。")
        with transaction.atomic():
            api_token, token = ApiToken.issue(user)
            audit_record(action=AuditEvent.Action.CREATE, actor=user, obj=api_token)
        self.stdout.write(token)
