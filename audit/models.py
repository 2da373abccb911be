"""The audit log: append-only, hash-chained, ids and field names only — never personal values.

Rows are chained with HMAC-SHA256 under the audit key (audit/keys.py), which the database does
not hold. Rows written before the key existed keep their plain SHA-256 hashes (hash_alg "sha256");
ChainBoundary records, signed, where those legacy rows end.
"""

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

from audit.keys import ALGORITHM_PREFIX, LEGACY_ALGORITHM, UNKNOWN_KEY, AuditKey, key_by_id
from tsunagu.fields import EncryptedJSONField, EncryptedTextField

GENESIS_HASH = "0" * 64


ROW_PURPOSE = b"tsunagu.audit.row"
BOUNDARY_PURPOSE = b"tsunagu.audit.boundary"
UNKNOWN_ALGORITHM = "ハッシュ方式 {algorithm!r} は不明です。"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class UnknownKeyError(Exception):
    """A row or checkpoint names a key id that is not among the configured audit keys."""


class UnknownAlgorithmError(Exception):
    """A row names a hash algorithm tsunagu never wrote."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。更新できません。")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。削除できません。")


class ChainBoundaryQuerySet(models.QuerySet["ChainBoundary"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。更新できません。")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。削除できません。")


# Ids shown per list in a row of the audit log page (the CSV export has them all).
DETAIL_IDS_SHOWN = 20


class AuditEvent(models.Model):
    class Action(models.TextChoices):
        READ = "read", "閲覧"
        CREATE = "create", "作成"
        UPDATE = "update", "更新"
        DELETE = "delete", "削除"
        EXPORT = "export", "出力"
        LOGIN = "login", "ログイン"
        LOGOUT = "logout", "ログアウト"
        LOGIN_FAILED = "login_failed", "ログイン失敗"
        DENIED = "denied", "アクセス拒否"
        DISCLOSE = "disclose", "他機関への開示"

    # Ids are assigned by audit.services.audit_record under a lock, so that they are gapless and
    # covered by the hash: a removed row shows as a gap as well as a broken link.
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField("日時", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作者",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        related_name="+",
    )
    organisation_id = models.BigIntegerField("操作者の所属機関ID", null=True, db_index=True)
    action = models.CharField("操作", max_length=20, choices=Action)
    object_type = models.CharField("対象の種類", max_length=60, blank=True)
    object_id = models.CharField("対象ID", max_length=40, blank=True)
    # Hashed login name for failed logins (throttling), never the name itself.
    subject = models.CharField(max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    detail = models.JSONField("詳細（項目名・ID・理由）", default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # "hmac-sha256:<key id>" for keyed rows; "sha256" only for rows older than the ChainBoundary.
    hash_alg = models.CharField("ハッシュ方式", max_length=40)

    objects: ClassVar[models.Manager["AuditEvent"]] = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "監査ログ"
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["action", "subject", "at"], name="audit_login_throttle"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.at:%Y-%m-%d %H:%M:%S} {self.get_action_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("監査ログは追記のみです。更新できません。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。削除できません。")

    def canonical(self) -> str:
        """The row's content as it is hashed: every column but the hash itself.

        Legacy rows were hashed without the algorithm column; keyed rows include it, so that the
        key id cannot be swapped without breaking the HMAC.
        """
        content: dict[str, Any] = {
            "id": self.id,
            "at": self.at.astimezone(UTC).isoformat(),
            "actor": self.actor_id,
            "organisation": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "subject": self.subject,
            "ip": self.ip_address,
            "detail": self.detail,
            "prev": self.prev_hash,
        }
        if self.is_keyed:
            content["alg"] = self.hash_alg
        return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def shown_detail(self) -> list[tuple[str, str]]:
        """The detail as the log page shows it, in Japanese (audit.labels): a long list of ids
        (an old list read, an export) is cut to its first `DETAIL_IDS_SHOWN` with the whole
        count, so that one row never makes the page large. The export (CSV) keeps every id."""
        from audit.labels import detail_key_label, detail_value

        shown = []
        for key, raw in self.detail.items():
            value = detail_value(self.object_type, key, raw)
            if isinstance(value, list) and len(value) > DETAIL_IDS_SHOWN:
                head = ", ".join(str(item) for item in value[:DETAIL_IDS_SHOWN])
                value = f"[{head}, …]（全{len(value)}件）"
            shown.append((detail_key_label(key), str(value)))
        return shown

    @property
    def record_kind(self) -> str:
        """The kind of record in Japanese ('cases.case' → 'ケース')."""
        from audit.labels import record_kind

        return record_kind(self.object_type) if self.object_type else ""

    @property
    def is_keyed(self) -> bool:
        return self.hash_alg.startswith(ALGORITHM_PREFIX)

    @property
    def key_id(self) -> str:
        return self.hash_alg.removeprefix(ALGORITHM_PREFIX) if self.is_keyed else ""

    def compute_hash(self, keys: Mapping[str, AuditKey] | None = None) -> str:
        """The hash this row must carry under its algorithm (UnknownKeyError: key not configured).

        `keys` (key id → key) spares a verifier the settings lookup on every row.
        """
        if self.hash_alg == LEGACY_ALGORITHM:
            return hashlib.sha256(self.canonical().encode()).hexdigest()
        if not self.is_keyed:
            raise UnknownAlgorithmError(UNKNOWN_ALGORITHM.format(algorithm=self.hash_alg))
        key = keys.get(self.key_id) if keys is not None else key_by_id(self.key_id)
        if key is None:
            raise UnknownKeyError(UNKNOWN_KEY.format(key_id=self.key_id))
        return key.sign(ROW_PURPOSE, self.canonical())


class ChainBoundary(models.Model):
    """Where the legacy (unkeyed) rows end: written once by migration 0003, signed with the key.

    Without it, someone with database access could turn every keyed row into a legacy row and
    rehash the chain with plain SHA-256. The signature covers the last legacy row's id and hash,
    so the legacy part cannot be rewritten or extended either.
    """

    legacy_last_id = models.BigIntegerField("鍵なしの最終行")
    legacy_last_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=20)
    signature = models.CharField(max_length=64)
    recorded_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[models.Manager["ChainBoundary"]] = ChainBoundaryQuerySet.as_manager()

    class Meta:
        verbose_name = "監査ログの鍵付き連鎖の開始点"

    def __str__(self) -> str:
        return f"鍵なしの行: #1〜#{self.legacy_last_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("監査ログは追記のみです。更新できません。")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。削除できません。")

    def signed_content(self) -> str:
        return boundary_content(self.legacy_last_id, self.legacy_last_hash)


def boundary_content(legacy_last_id: int, legacy_last_hash: str) -> str:
    return json.dumps({"legacy_last_id": legacy_last_id, "legacy_last_hash": legacy_last_hash})


class PreviousVersionQuerySet(models.QuerySet["PreviousVersion"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(PREVIOUS_VERSION_KEPT)

    def delete(self) -> NoReturn:
        raise AppendOnlyError(PREVIOUS_VERSION_KEPT)


PREVIOUS_VERSION_KEPT = "訂正前の版は残す記録です。変更も削除もできません。"


class PreviousVersion(models.Model):
    """A record as it was before a correction (訂正): the changed fields' values before and after,
    the reason, who and when. Written by `audit.services.keep_previous_version` in the
    correction's transaction; the correction's audit row names it (`previous_version`).

    Kept beside the audit log because it is the same kind of promise (append-only, nothing is
    lost) for any versioned record; unlike the audit log it holds values, so they are encrypted
    (the old text of an activity is as sensitive as the new). `manage.py reencrypt` rewrites
    them through the base manager, which is why the refusal is in the application, not in
    database triggers.
    """

    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField("対象ID")
    version = models.PositiveIntegerField("訂正前の版")
    # {field name: [value before, value after]}, values as JSON (dates as ISO text, records as ids).
    changes = EncryptedJSONField("訂正した項目（前と後の値）")
    reason = EncryptedTextField("訂正の理由")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="訂正した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField("訂正日時", default=timezone.now)

    objects: ClassVar[models.Manager["PreviousVersion"]] = PreviousVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "訂正前の版"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "version"], name="previous_version_once"
            )
        ]

    def __str__(self) -> str:
        return f"第{self.version}版（{self.at:%Y-%m-%d %H:%M}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError(PREVIOUS_VERSION_KEPT)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError(PREVIOUS_VERSION_KEPT)
