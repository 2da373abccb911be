"""Encryption at rest for 要配慮個人情報 (health, disability, abuse, DV — and the free text that may
hold them). Which fields are encrypted, and why the others are not: docs/encryption.md.

The key comes from the environment (TSUNAGU_ENCRYPTION_KEY: Fernet keys, newest first). In
development it is derived from SECRET_KEY so that `make run` works; production refuses to start
without it (settings). The newest key encrypts, every listed key decrypts; `manage.py reencrypt`
rewrites every encrypted value under the newest key so that an old key can be dropped.

A stored value is a Fernet token of the value's JSON text; a blank value stays "" so that "is it
filled in" (`exclude(field="")`) keeps its meaning. Encrypted fields cannot be searched, filtered
or sorted in the database — by design: comparing with anything but "" raises an error instead of
silently matching nothing.
"""

import base64
import binascii
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from functools import cache, cached_property
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django import forms
from django.conf import settings
from django.core import validators
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, IsNull

SENSITIVE = "要配慮個人情報"
KEY_INVALID = "TSUNAGU_ENCRYPTION_KEY が不正です: {error}"
DECRYPTION_FAILED = (
    "暗号化された項目を復号できません{where}。TSUNAGU_ENCRYPTION_KEY が、この記録を暗号化した鍵を"
    "含んでいるか確認してください（鍵を替えたときは、古い鍵もカンマ区切りで後ろに残します）。"
)
NOT_FILTERABLE = (
    "暗号化された項目「{field}」は検索・絞り込み・並べ替えに使えません"
    "（空欄かどうかだけを調べられます）。"
)
# Rows read and rewritten per transaction by the data migrations and `reencrypt`.
BATCH_SIZE = 500

# A Fernet token: version byte 0x80, 8-byte timestamp, 16-byte IV, AES blocks, 32-byte HMAC.
_TOKEN_PREFIX = "gAAAAA"  # noqa: S105 (0x80 and the zero high bytes of the timestamp)
_TOKEN_OVERHEAD = 1 + 8 + 16 + 32
_AES_BLOCK = 16


class DecryptionError(ImproperlyConfigured):
    """A stored token that none of the configured keys opens: the key is wrong or missing."""


@cache
def _keys() -> tuple[Fernet, ...]:
    keys = settings.ENCRYPTION_KEYS or [
        base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest()).decode()
    ]
    try:
        return tuple(Fernet(key) for key in keys)
    except ValueError as error:
        raise ImproperlyConfigured(KEY_INVALID.format(error=error)) from None


@cache
def _fernet() -> MultiFernet:
    # The first key encrypts; older keys still decrypt (key rotation).
    return MultiFernet(list(_keys()))


def _forget_keys(*, setting: str, **kwargs: Any) -> None:
    """Tests change the keys with override_settings."""
    if setting in {"ENCRYPTION_KEYS", "SECRET_KEY"}:
        _keys.cache_clear()
        _fernet.cache_clear()


setting_changed.connect(_forget_keys)


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str, where: str = "") -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise _refused(where) from None


def is_token(value: str) -> bool:
    """Whether `value` has the shape of a Fernet token (whether or not our keys open it).

    Plain text never does: Japanese text is not base64, and ASCII text would need the exact
    version byte, a valid length and padding.
    """
    if not value.startswith(_TOKEN_PREFIX):
        return False
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return False
    ciphertext = len(raw) - _TOKEN_OVERHEAD
    return ciphertext > 0 and ciphertext % _AES_BLOCK == 0


def seal(value: Any) -> str:
    """The stored form of a value: "" for a blank one, else the token of its JSON text. An empty
    list or mapping (choices left unticked) is blank too, so that "is it filled in" can be asked
    of the column without decrypting it (the case header's 要配慮個人情報あり)."""
    if value is None or value == "" or (isinstance(value, list | dict) and not value):
        return ""
    return encrypt(json.dumps(value, ensure_ascii=False))


def _refused(where: str) -> DecryptionError:
    return DecryptionError(DECRYPTION_FAILED.format(where=f"（{where}）" if where else ""))


def rotate(token: str, where: str = "") -> str:
    """The same value under the newest key."""
    try:
        return _fernet().rotate(token.encode()).decode()
    except InvalidToken:
        raise _refused(where) from None


class BlankOnlyExact(Exact):
    """`field=""` (is it blank?) is allowed; comparing with a value would never match a token."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            raise FieldError(NOT_FILTERABLE.format(field=self.lhs.output_field.verbose_name))
        return ""


class EncryptedJSONField(models.TextField):  # type: ignore[type-arg]
    """A JSON value stored encrypted. Marked sensitive: views of it must be audited."""

    sensitive = True
    encrypted = True
    # The types django-stubs gives model attributes of this field: any JSON value.
    _pyi_private_set_type: Any
    _pyi_private_get_type: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("blank", True)
        kwargs.setdefault("default", "")
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if not value:
            return self.blank_value()
        if not is_token(value):
            # A row the data migration has not reached yet (it stopped part-way and will be
            # run again, or `reencrypt` will encrypt it): read as it stands.
            return self.read_plain(value)
        return json.loads(decrypt(value, self.where))

    def blank_value(self) -> Any:
        """What a blank column reads as: an empty list or mapping for a field of choices (its
        default; seal() stores an empty one blank), else None."""
        default = self.get_default()
        return default if isinstance(default, list | dict) else None

    def to_python(self, value: Any) -> Any:
        return value

    def get_prep_value(self, value: Any) -> str:
        return seal(value)

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name == "exact":
            return BlankOnlyExact
        if lookup_name == "isnull":
            return IsNull
        raise FieldError(NOT_FILTERABLE.format(field=self.verbose_name))

    def get_transform(self, lookup_name: str) -> Any:
        raise FieldError(NOT_FILTERABLE.format(field=self.verbose_name))

    @cached_property
    def where(self) -> str:
        """Named in the error when a value cannot be decrypted (model and field, not the value)."""
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else str(self.name)

    # The column's content before encryption (a JSONField: its JSON text), for the migrations.
    def read_plain(self, column: str) -> Any:
        return json.loads(column)

    def seal_plain(self, column: str) -> str:
        return encrypt(column)

    def unseal_to_plain(self, token: str, where: str) -> str:
        return decrypt(token, where)


class EncryptedTextField(EncryptedJSONField):
    """Free text stored encrypted. A `max_length` bounds the plain text (form and model)."""

    _pyi_private_set_type: str
    _pyi_private_get_type: str

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        decoded = super().from_db_value(value, expression, connection)
        return "" if decoded is None else decoded

    @cached_property
    def validators(self) -> list[Callable[[Any], None]]:
        found = list(super().validators)
        if self.max_length is not None:
            found.append(validators.MaxLengthValidator(self.max_length))
        return found

    def read_plain(self, column: str) -> Any:
        return column

    def seal_plain(self, column: str) -> str:
        return seal(column)

    def unseal_to_plain(self, token: str, where: str) -> str:
        return str(json.loads(decrypt(token, where)))


class EncryptedCharField(EncryptedTextField):
    """A short text (one line in forms) stored encrypted. The column is text, since a token is
    about 1.4 times the plain text plus 57 bytes; `max_length` still bounds the plain text."""

    def formfield(self, **kwargs: Any) -> Any:
        if self.choices is not None:
            return super().formfield(**kwargs)
        defaults: dict[str, Any] = {"max_length": self.max_length, "widget": forms.TextInput}
        return models.Field.formfield(self, **{**defaults, **kwargs})


# --- rewriting stored values in batches (data migrations, `reencrypt`) ------------------------

Transform = Callable[[EncryptedJSONField, str, str], str]


def encrypted_fields(model: type[models.Model]) -> list[EncryptedJSONField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedJSONField)]


def encrypt_plain(field: EncryptedJSONField, stored: str, where: str) -> str:
    """Forward data migration: a plain value becomes its token; a token stays as it is."""
    if not stored or is_token(stored):
        return stored
    return field.seal_plain(stored)


def decrypt_to_plain(field: EncryptedJSONField, stored: str, where: str) -> str:
    """Backward data migration: a token becomes the plain value again; plain stays as it is."""
    if not stored or not is_token(stored):
        return stored
    return field.unseal_to_plain(stored, where)


def to_newest_key(field: EncryptedJSONField, stored: str, where: str) -> str:
    """`reencrypt`: every value under the newest key (a value not yet encrypted is encrypted).

    A value the newest key already opens is left as it is, so a run stopped part-way and run
    again only writes the rows it had not reached.
    """
    if not stored:
        return stored
    if not is_token(stored):
        return field.seal_plain(stored)
    if opens_with_newest_key(stored):
        return stored
    return rotate(stored, where)


def opens_with_newest_key(token: str) -> bool:
    try:
        _keys()[0].decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def check_value(field: EncryptedJSONField, stored: str, where: str) -> str:
    """`reencrypt --check`: decrypts the value (an error names the row) and changes nothing."""
    if stored and is_token(stored):
        decrypt(stored, where)
    return stored


def rewrite_in_batches(
    model: type[models.Model],
    transform: Transform,
    *,
    fields: Sequence[str] | None = None,
    using: str = DEFAULT_DB_ALIAS,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Apply `transform` to the stored values of `model`'s encrypted `fields` (default: all of
    them); the number of rows written.

    Works on historical models (migrations) and real ones alike: the columns are read as text
    (no decryption on the way in) and written as text (no encryption on the way out), one batch
    per transaction, walking the primary key so that memory stays bounded. A run stopped
    part-way can be run again: each transform leaves a value already in its wanted form alone,
    and unchanged rows are not written.
    """
    chosen = encrypted_fields(model)
    if fields is not None:
        chosen = [model._meta.get_field(name) for name in fields]  # type: ignore[misc]
        assert all(isinstance(field, EncryptedJSONField) for field in chosen)
    if not chosen:
        return 0
    names = [field.name for field in chosen]
    written = 0
    for rows in _raw_batches(model, names, using, batch_size):
        changed = []
        for pk, *stored in rows:
            old = [value or "" for value in stored]
            new = [
                transform(field, value, f"{model._meta.label}.{field.name} #{pk}")
                for field, value in zip(chosen, old, strict=True)
            ]
            if new != old:
                instance = model(pk=pk)
                for name, value in zip(names, new, strict=True):
                    # A Value with a plain text output: written as it is, not encrypted again.
                    setattr(instance, name, models.Value(value, output_field=models.TextField()))
                changed.append(instance)
        if changed:
            with transaction.atomic(using=using):
                model._base_manager.using(using).bulk_update(changed, names)
            written += len(changed)
    return written


def _raw_batches(
    model: type[models.Model], names: list[str], using: str, batch_size: int
) -> Iterator[list[tuple[Any, ...]]]:
    # Cast to text: the stored column as it is, without the field's decryption.
    raw = {f"raw_{name}": Cast(name, output_field=models.TextField()) for name in names}
    filled = models.Q()
    for alias in raw:
        filled |= models.Q(**{f"{alias}__gt": ""})
    queryset = model._base_manager.using(using).annotate(**raw).filter(filled).order_by("pk")
    last = None
    while True:
        page = queryset if last is None else queryset.filter(pk__gt=last)
        rows = list(page.values_list("pk", *raw)[:batch_size])
        if not rows:
            return
        yield rows
        last = rows[-1][0]


# --- files kept between two steps (the spreadsheet of an import, preview → confirmation) -------


class EncryptedBinaryField(models.BinaryField):  # type: ignore[type-arg]
    """Bytes stored encrypted: the column holds the Fernet token (itself ASCII bytes)."""

    encrypted = True

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> bytes | None:
        if value is None:
            return None
        raw = bytes(value)
        if not raw or not _is_token_bytes(raw):
            return raw  # not reached by the data migration yet: as it stands
        try:
            return _fernet().decrypt(raw)
        except InvalidToken:
            raise _refused(self.where) from None

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        if value is not None and bytes(value):
            value = _fernet().encrypt(bytes(value))
        return super().get_db_prep_value(value, connection, prepared)

    @cached_property
    def where(self) -> str:
        model = getattr(self, "model", None)
        return f"{model._meta.label}.{self.name}" if model is not None else str(self.name)


def _is_token_bytes(raw: bytes) -> bool:
    if not raw.startswith(_TOKEN_PREFIX.encode()):
        return False
    try:
        return is_token(raw.decode("ascii"))
    except UnicodeDecodeError:
        return False


BytesTransform = Callable[[bytes, str], bytes]


def encrypt_plain_bytes(raw: bytes, where: str) -> bytes:
    return raw if not raw or _is_token_bytes(raw) else _fernet().encrypt(raw)


def decrypt_to_plain_bytes(raw: bytes, where: str) -> bytes:
    if not raw or not _is_token_bytes(raw):
        return raw
    try:
        return _fernet().decrypt(raw)
    except InvalidToken:
        raise _refused(where) from None


def bytes_to_newest_key(raw: bytes, where: str) -> bytes:
    if not raw:
        return raw
    if not _is_token_bytes(raw):
        return _fernet().encrypt(raw)
    if opens_with_newest_key(raw.decode("ascii")):
        return raw
    return rotate(raw.decode("ascii"), where).encode("ascii")


def check_bytes(raw: bytes, where: str) -> bytes:
    decrypt_to_plain_bytes(raw, where)
    return raw


def rewrite_binary(
    model: type[models.Model], field_name: str, transform: BytesTransform, *, using: str
) -> int:
    """Apply `transform` to each stored file of `model.field_name`, one row per transaction (a
    file may be megabytes, and there are few of them); the number of rows written."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, models.Field) and field.column is not None
    table = connections[using].ops.quote_name(model._meta.db_table)
    column = connections[using].ops.quote_name(field.column)
    ids = model._base_manager.using(using).filter(**{f"{field_name}__isnull": False})
    written = 0
    for pk in ids.order_by("pk").values_list("pk", flat=True).iterator():
        with transaction.atomic(using=using), connections[using].cursor() as cursor:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
            row = cursor.fetchone()
            if row is None or row[0] is None:
                continue
            raw = bytes(row[0])
            new = transform(raw, f"{model._meta.label}.{field_name} #{pk}")
            if new != raw:
                cursor.execute(
                    f"UPDATE {table} SET {column} = %s WHERE id = %s",  # noqa: S608
                    [new, pk],
                )
                written += 1
    return written
