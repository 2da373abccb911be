"""The audit log: append-only, hash-chained, ids and field names only — never personal values."""

import hashlib
import json
from datetime import UTC
from typing import Any, ClassVar, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit row."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。更新できません。")

    def delete(self) -> NoReturn:
        raise AppendOnlyError("監査ログは追記のみです。削除できません。")


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
        """The row's content as it is hashed: every column but the hash itself."""
        return json.dumps(
            {
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
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )

    def compute_hash(self) -> str:
        return hashlib.sha256(self.canonical().encode()).hexdigest()
