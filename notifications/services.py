"""Telling staff of an event (`notify`), opening a notification and marking the inbox read.

`notify` is called by the service of the event inside the event's own `transaction.atomic`: the
rows are created with the event, and not at all if it rolls back. The optional e-mail
(settings.NOTIFY_EMAIL) is sent only once the transaction has committed, so that nobody is told
of an event that did not happen. A message names records by kind and number only, never a
person (see notifications.models).

Notifications hold no personal data, so reading and marking them is not audited; the record a
notification leads to is read, and audited, by its own page.
"""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.access import visible_to
from accounts.models import User
from notifications.models import MESSAGE_MAX_LENGTH, URL_MAX_LENGTH, Notification

URL_OUTSIDE_SITE = (
    "お知らせのリンク先は、このシステムの中のページ（/ で始まるパス）に限られます。"
    "このお知らせは開けません。"
)
NOT_THE_RECIPIENT = "このお知らせは、宛先の職員だけが開けます。"
MESSAGE_EMPTY = "お知らせの内容が空です。"
MESSAGE_TOO_LONG = f"お知らせの内容は{MESSAGE_MAX_LENGTH}文字以内にしてください。"
EMAIL_SUBJECT = "[tsunagu] お知らせ：{kind}"
EMAIL_FOOTER = (
    "tsunagu にログインし、メニューの「お知らせ」から開いてください（リンク先 {url}）。\n"
    "このメールには個人情報を含めていません。"
)


def is_site_path(url: str) -> bool:
    """A path of this site ("/cases/12/"): no scheme, no host, nothing a browser would read as
    another site ("//host", "/\\host", control characters)."""
    if not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX_LENGTH:
        return False
    if "\\" in url or any(ord(character) < 0x20 or ord(character) == 0x7F for character in url):
        return False
    return url_has_allowed_host_and_scheme(url, allowed_hosts=set())


def notify(
    *,
    recipients: Iterable[User],
    kind: Notification.Kind,
    message: str,
    url: str,
    actor: User | None = None,
) -> list[Notification]:
    """Tell each recipient of an event, in one INSERT; the actor and inactive staff are skipped.

    Call it inside the event's transaction. `message` names the record by kind and number
    (「ケース #12 の担当チームに追加されました」), never a person; `url` is a path of this site.
    """
    message = message.strip()
    if not message:
        raise ValidationError(MESSAGE_EMPTY)
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(MESSAGE_TOO_LONG)
    if not is_site_path(url):
        raise ValidationError(URL_OUTSIDE_SITE)
    told = _recipients(recipients, actor)
    if not told:
        return []
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            Notification(recipient=user, kind=kind, message=message, url=url, created_at=now)
            for user in told
        )
        addresses = [user.email for user in told if user.email]
        if settings.NOTIFY_EMAIL and addresses:
            # robust: a mail server that is down is logged, and the event stays recorded.
            transaction.on_commit(
                partial(_send_emails, kind=kind, message=message, url=url, addresses=addresses),
                robust=True,
            )
    return rows


def _recipients(recipients: Iterable[User], actor: User | None) -> list[User]:
    """Each active recipient once, in the order given, without the one who acted."""
    seen: set[int] = set()
    told = []
    for user in recipients:
        if user.pk in seen or not user.is_active or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        told.append(user)
    return told


def _send_emails(*, kind: Notification.Kind, message: str, url: str, addresses: list[str]) -> None:
    """One mail per address (recipients do not learn of each other), the message as shown."""
    subject = EMAIL_SUBJECT.format(kind=Notification.Kind(kind).label)
    body = f"{message}\n\n{EMAIL_FOOTER.format(url=url)}\n"
    with get_connection() as connection:
        connection.send_messages(
            [EmailMessage(subject, body, to=[address]) for address in addresses]
        )


def notification_open(*, notification: Notification, user: User) -> str:
    """Mark the user's own notification read (the first opening's time is kept) and return
    where it leads; a link outside the site is refused and nothing changes.

    The caller has loaded `notification` for `user` (views: `own_notification`)."""
    if notification.recipient_id != user.pk:
        raise ValidationError(NOT_THE_RECIPIENT)
    if not is_site_path(notification.url):
        raise ValidationError(URL_OUTSIDE_SITE)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=notification.read_at
        )
    return notification.url


def mark_all_read(*, user: User) -> int:
    """Mark every unread notification of `user` read; how many were unread."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def unread_count(user: User) -> int:
    """The unread notifications the inbox would show `user` (the same scope, one COUNT)."""
    return visible_to(user, Notification.objects.filter(read_at__isnull=True)).count()
