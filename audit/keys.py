"""The audit key: what makes the chain and its checkpoints impossible to recompute from the DB.

The key comes from the environment (TSUNAGU_AUDIT_KEY, comma-separated, newest first) and is never
stored in the database, so someone who can rewrite the audit table cannot produce valid hashes.
Each key is named by a short key id derived from it; rows, checkpoints and the chain boundary
record the id of the key that signed them, so old rows keep verifying after a new key is put first.

In development the key is derived from SECRET_KEY under its own purpose label (so `make run` works
without setup), and it stays accepted as the oldest key there, so a development database that was
started without TSUNAGU_AUDIT_KEY keeps verifying once one is set. Production requires the
environment key (settings).
"""

import hashlib
import hmac
from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

ALGORITHM_PREFIX = "hmac-sha256:"
LEGACY_ALGORITHM = "sha256"
_DEVELOPMENT_PURPOSE = b"tsunagu.audit.chain-key.development"
_KEY_ID_PURPOSE = b"tsunagu.audit.key-id"
KEY_ID_LENGTH = 12

UNKNOWN_KEY = "鍵 ID {key_id} の鍵が TSUNAGU_AUDIT_KEY にありません。"


@dataclass(frozen=True)
class AuditKey:
    key_id: str
    secret: bytes

    @property
    def algorithm(self) -> str:
        """The value stored in a row's hash_alg for rows hashed under this key."""
        return f"{ALGORITHM_PREFIX}{self.key_id}"

    def sign(self, purpose: bytes, message: str) -> str:
        # The purpose label keeps a row hash from ever being valid as a checkpoint signature.
        return hmac.new(self.secret, purpose + b"\n" + message.encode(), hashlib.sha256).hexdigest()


def key_id_of(secret: bytes) -> str:
    """A public name for a key: reveals nothing about it, differs between keys."""
    return hmac.new(secret, _KEY_ID_PURPOSE, hashlib.sha256).hexdigest()[:KEY_ID_LENGTH]


def development_secret(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _DEVELOPMENT_PURPOSE, hashlib.sha256).hexdigest().encode()


@lru_cache(maxsize=8)
def _keys_for(
    configured: tuple[str, ...], secret_key: str, production: bool
) -> tuple[AuditKey, ...]:
    secrets = [value.encode() for value in configured]
    if not production:
        secrets.append(development_secret(secret_key))
    keys: list[AuditKey] = []
    for secret in secrets:
        key = AuditKey(key_id_of(secret), secret)
        if key not in keys:
            keys.append(key)
    if not keys:
        raise ImproperlyConfigured("TSUNAGU_AUDIT_KEY（監査ログの鍵）が設定されていません。")
    return tuple(keys)


def audit_keys() -> tuple[AuditKey, ...]:
    """Every usable key, newest first: the first signs, all of them verify."""
    return _keys_for(tuple(settings.AUDIT_KEYS), settings.SECRET_KEY, settings.PRODUCTION)


def current_key() -> AuditKey:
    return audit_keys()[0]


def key_by_id(key_id: str) -> AuditKey | None:
    for key in audit_keys():
        if hmac.compare_digest(key.key_id, key_id):
            return key
    return None
