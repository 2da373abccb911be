"""The inbox: one's own notifications only, newest first a page at a time, unread marked;
opening one marks it read and follows its link inside the site; the unread count is read only
by the pages that show it."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from notifications.models import Notification
from notifications.services import URL_OUTSIDE_SITE
from tsunagu.listing import PAGE_SIZE
from tsunagu.test import BaseTestCase

INBOX = "/notifications/"


def make(recipient: User, number: int = 1, *, read: bool = False, **fields: object) -> Notification:
    return Notification.objects.create(
        recipient=recipient,
        kind=fields.pop("kind", Notification.Kind.ADDED_TO_TEAM),
        message=fields.pop("message", f"ケース #{number} の担当チームに追加されました"),
        url=fields.pop("url", f"/cases/{number}/"),
        read_at=timezone.now() if read else None,
        **fields,
    )


def notification_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "notifications_notification" in q["sql"]]


class InboxTests(BaseTestCase):
    def test_a_worker_sees_their_own_notifications_newest_first_and_no_one_elses(self) -> None:
        now = timezone.now()
        make(self.soudan, 1, created_at=now - timedelta(days=2))
        make(self.soudan, 2, created_at=now - timedelta(days=1), read=True)
        make(self.douryou, 3)
        make(self.minato, 4)
        self.login(self.soudan)

        page = self.client.get(INBOX).content.decode()

        self.assertLess(page.index("ケース #2 の"), page.index("ケース #1 の"))
        self.assertNotIn("ケース #3 の", page)
        self.assertNotIn("ケース #4 の", page)
        self.assertIn("全2件中 1〜2件", page)

    def test_unread_rows_are_marked_in_words_for_eyes_and_screen_readers(self) -> None:
        make(self.soudan, 1)
        make(self.soudan, 2, read=True)
        self.login(self.soudan)

        response = self.client.get(INBOX)

        self.assertContains(response, '<span class="badge overdue">未読</span>', count=1, html=True)
        self.assertContains(
            response, 'aria-label="開く：ケース #1 の担当チームに追加されました（未読）"'
        )
        self.assertContains(response, 'aria-label="開く：ケース #2 の担当チームに追加されました"')
        self.assertContains(response, "未読のお知らせ：1件")

    def test_the_filter_shows_unread_only(self) -> None:
        make(self.soudan, 1)
        make(self.soudan, 2, read=True)
        self.login(self.soudan)

        page = self.client.get(INBOX, {"show": "unread"}).content.decode()

        self.assertIn("ケース #1 の", page)
        self.assertNotIn("ケース #2 の", page)
        self.assertIn("全1件中", page)

    def test_a_filter_value_that_does_not_parse_shows_everything(self) -> None:
        make(self.soudan, 1)
        make(self.soudan, 2, read=True)
        self.login(self.soudan)

        response = self.client.get(INBOX, {"show": "bogus"})

        self.assertContains(response, "全2件中")

    def test_the_inbox_is_paged_on_the_server_and_keeps_the_filter(self) -> None:
        start = timezone.now() - timedelta(days=1)
        Notification.objects.bulk_create(
            Notification(
                recipient=self.soudan,
                kind=Notification.Kind.OTHER,
                message=f"お知らせ {n:03d}",
                url="/",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(PAGE_SIZE + 3)
        )
        self.login(self.soudan)

        first = self.client.get(INBOX, {"show": "unread"}).content.decode()
        second = self.client.get(INBOX, {"show": "unread", "page": "2"}).content.decode()

        self.assertIn(f"全{PAGE_SIZE + 3}件中 1〜{PAGE_SIZE}件", first)
        self.assertIn(f"お知らせ {PAGE_SIZE + 2:03d}", first)
        self.assertNotIn("お知らせ 002", first)
        self.assertIn("show=unread&amp;page=2", first)
        self.assertIn(f"全{PAGE_SIZE + 3}件中 {PAGE_SIZE + 1}〜{PAGE_SIZE + 3}件", second)
        self.assertIn("お知らせ 000", second)
        audit = (
            AuditEvent.objects.filter(
                action=AuditEvent.Action.READ, object_type="notifications.notification"
            )
            .order_by("id")
            .last()
        )
        assert audit is not None
        self.assertEqual(len(audit.detail["ids"]), 3)  # the rows shown, not all of them

    def test_the_inbox_costs_the_same_for_1_and_20_notifications(self) -> None:
        make(self.soudan, 1)
        self.login(self.soudan)
        self.client.get(INBOX)  # warm the session
        with CaptureQueriesContext(connection) as one:
            self.client.get(INBOX)
        for number in range(2, 21):
            make(self.soudan, number)

        with CaptureQueriesContext(connection) as twenty:
            response = self.client.get(INBOX)

        self.assertContains(response, "全20件中 1〜20件")
        self.assertEqual(len(twenty.captured_queries), len(one.captured_queries))

    def test_every_staff_member_has_an_inbox_whatever_their_rights(self) -> None:
        for user in (self.kansa, self.toukei, self.admin, self.world.staff["supporter"]):
            make(user, 7)
            self.login(user)
            self.assertContains(self.client.get(INBOX), "ケース #7 の", msg_prefix=user.username)


class OpeningTests(BaseTestCase):
    def test_opening_marks_read_and_follows_the_link(self) -> None:
        notification = make(self.soudan, 12)
        self.login(self.soudan)

        response = self.client.post(f"{INBOX}{notification.pk}/open/")

        self.assertRedirects(response, "/cases/12/", fetch_redirect_response=False)
        notification.refresh_from_db()
        self.assertIsNotNone(notification.read_at)

    def test_opening_again_keeps_the_first_reading_time(self) -> None:
        notification = make(self.soudan, 12, read=True)
        first_read = notification.read_at
        self.login(self.soudan)

        self.client.post(f"{INBOX}{notification.pk}/open/")

        notification.refresh_from_db()
        self.assertEqual(notification.read_at, first_read)

    def test_another_users_notification_answers_404_and_stays_unread(self) -> None:
        notification = make(self.douryou, 12)
        for user in (self.soudan, self.minato, self.admin):
            self.login(user)
            response = self.client.post(f"{INBOX}{notification.pk}/open/")
            self.assertEqual(response.status_code, 404, user.username)
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)

    def test_opening_is_a_post(self) -> None:
        notification = make(self.soudan, 12)
        self.login(self.soudan)

        self.assertEqual(self.client.get(f"{INBOX}{notification.pk}/open/").status_code, 405)

    def test_a_link_outside_the_site_is_refused_and_nothing_changes(self) -> None:
        # notify() refuses such a link; a row written some other way is refused again here.
        notification = make(self.soudan, 12, url="https://example.com/phish")
        self.login(self.soudan)

        response = self.client.post(f"{INBOX}{notification.pk}/open/", follow=True)

        self.assertRedirects(response, INBOX)
        self.assertContains(response, URL_OUTSIDE_SITE)
        notification.refresh_from_db()
        self.assertIsNone(notification.read_at)

    def test_marking_all_read_touches_only_ones_own(self) -> None:
        make(self.soudan, 1)
        make(self.soudan, 2)
        theirs = make(self.douryou, 3)
        self.login(self.soudan)

        response = self.client.post(f"{INBOX}read-all/", follow=True)

        self.assertContains(response, "2件のお知らせを既読にしました。")
        self.assertFalse(Notification.objects.filter(recipient=self.soudan, read_at=None).exists())
        theirs.refresh_from_db()
        self.assertIsNone(theirs.read_at)


class UnreadCountTests(BaseTestCase):
    def test_the_home_page_shows_the_count_with_one_query(self) -> None:
        make(self.soudan, 1)
        make(self.soudan, 2)
        make(self.soudan, 3, read=True)
        make(self.douryou, 4)
        self.login(self.soudan)

        with CaptureQueriesContext(connection) as captured:
            response = self.client.get("/")

        self.assertContains(response, "未読のお知らせが2件あります")
        self.assertEqual(len(notification_queries(captured)), 1)

    def test_the_home_page_says_when_nothing_is_unread(self) -> None:
        make(self.soudan, 1, read=True)
        self.login(self.soudan)

        self.assertContains(self.client.get("/"), "未読のお知らせはありません")

    def test_other_pages_do_not_read_the_count(self) -> None:
        make(self.soudan, 1)
        self.login(self.soudan)

        for url in ("/organisations/", "/account/", "/cases/"):
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(url).status_code, 200, url)
            self.assertEqual(notification_queries(captured), [], url)

    def test_the_menu_links_to_the_inbox(self) -> None:
        self.login(self.kansa)

        response = self.client.get("/organisations/")

        # the empty badge is filled by htmx from /menu/counts/ after the page
        menu_entry = f'<a href="{INBOX}">お知らせ<span id="menu-count-inbox"></span></a>'
        self.assertContains(response, menu_entry, html=True)
