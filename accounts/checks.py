"""Production must never run with demo accounts (their password is public)."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError

DEMO_ACCOUNTS_MESSAGE = (
    "本番環境にデモ用アカウントが残っています（パスワードが公開されています）。"
    "削除してから起動してください: manage.py remove_demo"
)


def demo_accounts_exist() -> bool:
    from accounts.models import User

    try:
        return User.objects.filter(is_demo=True).exists()
    except DatabaseError:
        return False  # not migrated yet: there is nothing to refuse


def refuse_demo_accounts_in_production() -> None:
    """Called by the WSGI/ASGI entry points: a production server does not start with them."""
    if settings.PRODUCTION and demo_accounts_exist():
        raise ImproperlyConfigured(DEMO_ACCOUNTS_MESSAGE)


@register(Tags.security, Tags.database, deploy=True)
def check_no_demo_accounts(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not kwargs.get("databases") or not settings.PRODUCTION:
        return []
    if demo_accounts_exist():
        return [Error(DEMO_ACCOUNTS_MESSAGE, id="tsunagu.E001")]
    return []
