"""notify(): rows created with the event or not at all, the actor and inactive staff skipped,
links inside the site only, and the optional e-mail once the event has committed."""

from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from notifications.models import Notification
from notifications.services import (
    MESSAGE_TOO_LONG,
    URL_OUTSIDE_SITE,
    is_site_path,
    notify,
)
from tsunagu.test import BaseTestCase

MESSAGE = "ケース #12 の担当チームに追加されました"


class EventAborted(Exception):
    pass


class NotifyTests(BaseTestCase):
    def tell(self, *recipients, **options):  # type: ignore[no-untyped-def]
        return notify(
            recipients=recipients,
            kind=Notification.Kind.ADDED_TO_TEAM,
            message=options.pop("message", MESSAGE),
            url=options.pop("url", "/cases/12/"),
            **options,
        )

    def test_each_recipient_gets_one_unread_row(self) -> None:
        self.tell(self.soudan, self.douryou, self.soudan)

        rows = Notification.objects.order_by("recipient__username")
        self.assertEqual(
            [(row.recipient.username, row.message, row.url, row.read_at) for row in rows],
            [("douryou", MESSAGE, "/cases/12/", None), ("soudan", MESSAGE, "/cases/12/", None)],
        )

    def test_the_rows_are_one_insert(self) -> None:
        with CaptureQueriesContext(connection) as captured:
            self.tell(self.soudan, self.douryou, self.houkatsu)

        inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
        self.assertEqual(len(inserts), 1)
        self.assertEqual(Notification.objects.count(), 3)

    def test_the_actor_and_inactive_staff_are_not_told(self) -> None:
        self.douryou.is_active = False

        self.tell(self.soudan, self.douryou, self.houkatsu, actor=self.soudan)

        self.assertEqual(
            list(Notification.objects.values_list("recipient__username", flat=True)),
            ["houkatsu"],
        )

    def test_nothing_is_created_when_the_event_rolls_back(self) -> None:
        with self.assertRaises(EventAborted), transaction.atomic():
            self.tell(self.douryou)
            self.assertEqual(Notification.objects.count(), 1)
            raise EventAborted

        self.assertFalse(Notification.objects.exists())

    def test_a_link_outside_the_site_is_refused(self) -> None:
        for url in (
            "https://example.com/",
            "//example.com/cases/1/",
            "/\\example.com",
            "javascript:alert(1)",
            "cases/1/",
            "/cases/1/\n",
            "",
        ):
            with self.subTest(url=url), self.assertRaisesMessage(ValidationError, URL_OUTSIDE_SITE):
                self.tell(self.douryou, url=url)
        self.assertFalse(Notification.objects.exists())
        self.assertTrue(is_site_path("/cases/1/?tab=team#history"))

    def test_a_long_message_is_refused(self) -> None:
        with self.assertRaisesMessage(ValidationError, MESSAGE_TOO_LONG):
            self.tell(self.douryou, message="あ" * 201)


@override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend")
class EmailTests(BaseTestCase):
    def setUp(self) -> None:
        self.douryou.email = "douryou@example.lg.jp"
        self.douryou.save(update_fields=["email"])
        self.soudan.email = ""
        self.soudan.save(update_fields=["email"])

    def tell(self) -> None:
        notify(
            recipients=[self.douryou, self.soudan],
            kind=Notification.Kind.ADDED_TO_TEAM,
            message=MESSAGE,
            url="/cases/12/",
        )

    def test_no_mail_by_default(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            self.tell()

        self.assertEqual(mail.outbox, [])
        self.assertEqual(Notification.objects.count(), 2)

    @override_settings(NOTIFY_EMAIL=True)
    def test_with_the_setting_staff_with_an_address_get_the_same_message_once_committed(
        self,
    ) -> None:
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            self.tell()
            self.assertEqual(mail.outbox, [])  # not before the commit

        self.assertEqual(len(callbacks), 1)
        (sent,) = mail.outbox
        self.assertEqual(sent.to, ["douryou@example.lg.jp"])
        self.assertEqual(sent.subject, "[tsunagu] お知らせ：担当チームに追加")
        self.assertIn(MESSAGE, sent.body)
        self.assertIn("/cases/12/", sent.body)

    @override_settings(NOTIFY_EMAIL=True)
    def test_no_mail_when_the_event_rolls_back(self) -> None:
        with (
            self.captureOnCommitCallbacks(execute=True),
            self.assertRaises(EventAborted),
            transaction.atomic(),
        ):
            self.tell()
            raise EventAborted

        self.assertEqual(mail.outbox, [])
        self.assertFalse(Notification.objects.exists())
