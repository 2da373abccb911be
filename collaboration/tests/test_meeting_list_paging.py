"""The meeting list one page at a time: paging, sorting, filters in SQL (kind, dates, upcoming
or past), the audit row of the page only, the same queries and response size at any count."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from collaboration.models import Meeting
from collaboration.tests.test_meetings import MeetingTestCase
from tsunagu.dates import wareki
from tsunagu.test import audit_lock_queries

K = Meeting.Kind


class MeetingListPagingTests(MeetingTestCase):
    def make_meetings(self, count: int, kind: str = K.CASE_CONFERENCE) -> list[Meeting]:
        # Titles of one length, so that the response size only changes with the rows shown.
        now = timezone.now()
        meetings = Meeting.objects.bulk_create(
            Meeting(
                organisation=self.window,
                kind=kind,
                title="定例のケース会議",
                held_at=now - timedelta(days=number + 1),
                created_by=self.chousei,
            )
            for number in range(count)
        )
        return list(meetings)

    def shown(self, query: str = "") -> Any:
        return self.client.get(f"/meetings/?{query}")

    def ids(self, query: str = "") -> list[int]:
        return [meeting.pk for meeting in self.shown(query).context["meetings"]]

    def test_fifty_a_page_newest_first_with_the_count(self) -> None:
        meetings = self.make_meetings(52)
        self.login(self.soudan)
        first = self.shown()
        self.assertContains(first, "全52件中 1〜50件")
        self.assertEqual(first.context["meetings"][0].pk, meetings[0].pk)
        self.assertEqual(self.ids("page=2"), [meetings[50].pk, meetings[51].pk])

    def test_the_audit_row_names_only_the_meetings_of_the_page(self) -> None:
        self.make_meetings(52)
        self.login(self.soudan)
        response = self.shown("page=2")
        row = AuditEvent.objects.filter(object_type="collaboration.meeting", action="read").latest(
            "id"
        )
        self.assertEqual(row.detail["ids"], [m.pk for m in response.context["meetings"]])

    def test_upcoming_or_past_kind_and_dates_in_sql(self) -> None:
        past = self.convene(K.CASE_CONFERENCE, held_days_ago=30)
        recent = self.convene(K.SUPPORT_MEETING, held_days_ago=2)
        later = self.convene(K.SUPPORT_MEETING, held_days_ago=-10)
        soon = self.convene(K.MULTIAGENCY, held_days_ago=-3)
        today = timezone.localdate()
        self.login(self.soudan)
        # What is still to come is read in the order it comes; the past newest first.
        self.assertEqual(self.ids("when=upcoming"), [soon.pk, later.pk])
        self.assertEqual(self.ids("when=past"), [recent.pk, past.pk])
        self.assertEqual(self.ids(f"kind={K.SUPPORT_MEETING}"), [later.pk, recent.pk])
        first, last = wareki(today - timedelta(days=5)), wareki(today + timedelta(days=5))
        self.assertEqual(self.ids(f"held_from={first}&held_to={last}"), [soon.pk, recent.pk])
        self.assertEqual(self.ids(f"held_to={today - timedelta(days=30)}"), [past.pk])
        self.assertContains(
            self.shown("kind=multiagency&when=past"), "条件に合う会議はありません。"
        )

    def test_a_bad_value_is_shown_at_its_field_and_not_applied(self) -> None:
        self.convene(K.CASE_CONFERENCE, held_days_ago=30)
        self.convene(K.SUPPORT_MEETING, held_days_ago=2)
        today = timezone.localdate()
        self.login(self.soudan)
        for query, message in (
            ("kind=password", "種類は一覧にあるものから選んでください。"),
            ("when=tomorrow", "時期は一覧にあるものから選んでください。"),
            ("held_from=abc", "日付"),
            (f"held_from={today}&held_to={today - timedelta(days=1)}", "「いつまで」は"),
        ):
            with self.subTest(query=query):
                response = self.shown(query)
                self.assertContains(response, message)
                self.assertContains(response, "この条件は使わずに表示しています")
        for query in (
            "page=abc",
            "sort=password",
            "held_to=R99.99.99",
            "held_from=%00",
            "held_to=9999-12-31",  # the last day a date can name: no day after it, no 500
        ):
            with self.subTest(query=query):
                self.assertContains(self.shown(query), "全2件中 1〜2件")

    def test_sort_by_kind_and_title_both_ways_filters_kept(self) -> None:
        self.convene(K.CASE_CONFERENCE, held_days_ago=1)
        self.convene(K.SUPPORT_MEETING, held_days_ago=2)
        self.login(self.soudan)
        # 支援会議 before ケース会議: the order of the choices, not of their codes.
        kinds = [m.kind for m in self.shown("sort=kind").context["meetings"]]
        self.assertEqual(kinds, [K.SUPPORT_MEETING, K.CASE_CONFERENCE])
        response = self.shown("sort=-kind&when=past")
        self.assertEqual([m.kind for m in response.context["meetings"]], kinds[::-1])
        self.assertContains(response, 'aria-sort="descending"')
        self.assertContains(response, "?sort=kind&amp;when=past")

    def test_the_same_queries_at_one_and_sixty_and_no_larger_beyond_the_page(self) -> None:
        self.make_meetings(1)
        self.login(self.soudan)
        self.shown()  # warm the session
        # session, user with organisation, roles, the page with the convening organisations,
        # audit row (savepoint, lock on PostgreSQL, last row, insert, release), the count,
        # session save (savepoint, update, release)
        with self.assertNumQueries(12 + audit_lock_queries()):
            self.shown()
        self.make_meetings(59)
        with self.assertNumQueries(12 + audit_lock_queries()):
            sixty = self.shown()
        self.assertEqual(len(sixty.context["meetings"]), 50)
        self.make_meetings(40)
        hundred = self.shown()
        self.assertContains(hundred, "全100件中 1〜50件")
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)
