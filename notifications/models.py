"""In-app notifications (お知らせ): a worker's inbox, since municipal networks (LGWAN) have no
internet e-mail as a rule.

A notification tells its recipient that something happened to them (added to a case team, to a
meeting, an answer to their advice request…) and links to the record. The rule of every message:
it names the record by its kind and number (「ケース #12 の担当チームに追加されました」), never the
person's name, address or anything else from the record, since a notification is shown — and
may be e-mailed — apart from the record and its access rules. The link leads to the record's own
page, which applies access as usual: a notification never grants a read.
"""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

MESSAGE_MAX_LENGTH = 200
URL_MAX_LENGTH = 300


class Notification(models.Model):
    """One message to one recipient; unread while `read_at` is empty."""

    class Kind(models.TextChoices):
        ADDED_TO_TEAM = "added_to_team", "担当チームに追加"
        ADDED_TO_MEETING = "added_to_meeting", "会議に追加"
        ADVICE_ANSWERED = "advice_answered", "助言の回答"
        REFERRAL_INCOMING = "referral_incoming", "つなぎの依頼"
        REFERRAL_ANSWERED = "referral_answered", "つなぎの返事"
        OTHER = "other", "その他"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先",
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField("種類", max_length=30, choices=Kind.choices, default=Kind.OTHER)
    # Names the record by kind and number only: no personal data (see the module docstring).
    message = models.CharField("内容", max_length=MESSAGE_MAX_LENGTH)
    # A path inside the site (notifications.services.is_site_path), never another host.
    url = models.CharField("リンク先", max_length=URL_MAX_LENGTH)
    created_at = models.DateTimeField("日時", default=timezone.now)
    read_at = models.DateTimeField("既読の日時", null=True, blank=True)

    class Meta:
        verbose_name = "お知らせ"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The inbox and the unread count: one user's rows, unread first, newest first.
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return self.message

    @classmethod
    def visible_q(cls, user: Any) -> models.Q:
        """Only the recipient knows a notification exists (anyone else: 404)."""
        return models.Q(recipient_id=user.pk)

    @property
    def is_unread(self) -> bool:
        return self.read_at is None
