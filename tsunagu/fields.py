"""Encryption at rest for 要配慮個人情報 (health, disability, medical history).

The key comes from the environment (TSUNAGU_ENCRYPTION_KEY, a Fernet key: 32 url-safe base64
bytes). In development it is derived from SECRET_KEY so that `make run` works; production refuses
to start without it (settings). Encrypted fields cannot be searched or sorted in the database —
by design, they are read only on a case page by its team.
"""

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

SENSITIVE = "要配慮個人情報"


@cache
def _fernet() -> MultiFernet:
    keys = settings.ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    ]
    try:
        # The first key encrypts; older keys still decrypt (key rotation).
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(f"TSUNAGU_ENCRYPTION_KEY が不正です: {error}") from None


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "暗号化された項目を復号できません。TSUNAGU_ENCRYPTION_KEY を確認してください。"
        ) from None


class EncryptedJSONField(models.TextField):  # type: ignore[type-arg]
    """A JSON value stored encrypted. Marked sensitive: views of it must be audited."""

    sensitive = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if not value:
            return None
        return json.loads(decrypt(value))

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str:
        if value is None or value == "":
            return ""
        return encrypt(json.dumps(value, ensure_ascii=False))


class EncryptedTextField(EncryptedJSONField):
    """Free text stored encrypted."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        decoded = super().from_db_value(value, expression, connection)
        return "" if decoded is None else decoded
