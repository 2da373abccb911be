"""The worker's day (/consultations/): today's consultations, open referrals, drafts."""

from datetime import date, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

from django.utils import timezone

from audit.models import AuditEvent
from collaboration.models import Agency, Referral
from consultations.tests.factories import record
from consultations.tests.helpers import make_agency
from consultations.views import DAY_REFERRALS_SHOWN
from people.models import Person
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase, audit_lock_queries

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


class DayViewTests(BaseTestCase):
    person: Person
    agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.person = make_person(cls.window, "山田", "健太", "ヤマダ", "ケンタ")
        cls.agency = make_agency(cls.window.local_government)

    def test_it_shows_todays_consultations_of_the_office_in_order(self) -> None:
        today = timezone.localdate()
        # At noon: just after midnight, 00:30 would still be in the future and refused.
        with mock.patch("django.utils.timezone.now", return_value=at(today, 12)):
            other = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ")
            record(self.douryou, other, at(today, 0, 30), channel="visit", main_concern="debt")
            record(self.soudan, self.person, at(today, 0, 5))
            record(self.soudan, self.person, at(today - timedelta(days=1), 23, 59))
            self.login(self.soudan)
            response = self.client.get("/consultations/")
        self.assertContains(response, "今日の相談")
        rows = [consultation for consultation, _ in response.context["consultations"]]
        self.assertEqual([c.received_at for c in rows], [at(today, 0, 5), at(today, 0, 30)])
        self.assertContains(response, "00:05")
        self.assertContains(response, "来所")
        self.assertContains(response, "債務")
        self.assertContains(response, "家族（母）")
        self.assertContains(response, "情報提供・助言のみ")

    def test_another_day_is_chosen_with_the_date_picker(self) -> None:
        day = date(2025, 4, 8)
        record(self.soudan, self.person, at(day, 10, 15))
        self.login(self.soudan)
        response = self.client.get("/consultations/", {"date": "2025-04-08"})
        self.assertContains(response, "令和7年4月8日の相談")
        self.assertEqual(len(response.context["consultations"]), 1)
        self.assertContains(response, 'value="2025-04-08"')
        self.assertContains(response, "?date=2025-04-07")
        self.assertContains(response, "?date=2025-04-09")

    def test_a_malformed_date_shows_today_with_a_notice(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/consultations/", {"date": "2025-13-45"})
        self.assertEqual(response.context["day"], timezone.localdate())
        self.assertContains(response, "日付の形式が正しくないため")

    def test_a_saturday_consultation_is_marked_out_of_hours(self) -> None:
        record(self.soudan, self.person, at(date(2025, 4, 5), 10, 15))
        self.login(self.soudan)
        response = self.client.get("/consultations/", {"date": "2025-04-05"})
        self.assertContains(response, '<span class="badge">時間外</span>')

    def test_open_referrals_from_consultations_are_listed_with_overdue_highlighted(self) -> None:
        today = timezone.localdate()
        overdue = record(
            self.soudan,
            self.person,
            at(today - timedelta(days=20), 10),
            disposition="refer",
            agency_id=self.agency.pk,
            follow_up_on=today - timedelta(days=3),
        )
        upcoming = record(
            self.soudan,
            make_person(self.window, "佐藤", "翔", "サトウ", "ショウ"),
            at(today - timedelta(days=1), 10),
            disposition="refer",
            agency_id=self.agency.pk,
            follow_up_on=today,
        )
        connected = record(
            self.soudan,
            make_person(self.window, "鈴木", "一郎", "スズキ", "イチロウ"),
            at(today - timedelta(days=30), 10),
            disposition="refer",
            agency_id=self.agency.pk,
            follow_up_on=today - timedelta(days=9),
        )
        Referral.objects.filter(pk=connected.referral_id).update(state=Referral.State.CONNECTED)
        Referral.objects.filter(pk=upcoming.referral_id).update(state=Referral.State.ACCEPTED)
        self.login(self.douryou)
        response = self.client.get("/consultations/")
        listed = [
            (referral.pk, is_overdue)
            for referral, _, is_overdue in response.context["open_referrals"]
        ]
        self.assertEqual(listed, [(overdue.referral_id, True), (upcoming.referral_id, False)])
        self.assertContains(response, '<tr class="overdue">', count=1)
        self.assertContains(response, "期限超過</strong>", count=1)
        self.assertContains(response, "打診中")
        self.assertContains(response, "受入")
        self.assertNotContains(response, "鈴木 一郎")

    def test_the_list_read_is_audited_with_the_persons_shown(self) -> None:
        today = timezone.localdate()
        record(self.soudan, self.person, at(today, 0, 5))
        referred = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ")
        record(
            self.soudan,
            referred,
            at(today - timedelta(days=2), 10),
            disposition="refer",
            agency_id=self.agency.pk,
            follow_up_on=today,
        )
        self.login(self.soudan)
        self.client.get("/consultations/")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertEqual(sorted(row.detail["ids"]), sorted([self.person.pk, referred.pk]))
        self.assertEqual(len(row.detail["consultations.consultation"]), 1)  # today's only
        self.assertEqual(len(row.detail["collaboration.referral"]), 1)
        self.assertNotIn("山田", row.canonical())

    def test_the_day_takes_a_fixed_number_of_queries_however_many_consultations(self) -> None:
        today = timezone.localdate()
        self.login(self.soudan)
        self.client.get("/consultations/")  # warm the session
        # session, user with organisation, roles, consultations, open referrals, the persons'
        # teams, drafts, audit row (savepoint, lock on PostgreSQL, last row, insert, release),
        # session save (savepoint, update, release)
        expected = 14 + audit_lock_queries()
        # Seconds after midnight: today's, and never further ahead than the intake's tolerance
        # of a fast clock, even when the test runs just after midnight.
        record(self.soudan, self.person, at(today, 0) + timedelta(seconds=1))
        with self.assertNumQueries(expected):
            self.client.get("/consultations/")
        for minute in range(2, 8):
            person = make_person(self.window, "佐藤", f"{minute}郎", team=(self.douryou,))
            record(
                self.douryou,
                person,
                at(today, 0) + timedelta(seconds=minute),
                disposition="refer",
                agency_id=self.agency.pk,
                follow_up_on=today,
            )
        with self.assertNumQueries(expected):
            response = self.client.get("/consultations/")
        self.assertEqual(len(response.context["consultations"]), 7)
        self.assertEqual(len(response.context["open_referrals"]), 6)

    def test_only_referrals_due_by_today_are_listed_at_most_20_with_a_link_to_all(self) -> None:
        today = timezone.localdate()
        for number in range(DAY_REFERRALS_SHOWN + 1):
            record(
                self.soudan,
                make_person(self.window, "佐藤", f"{number}郎"),
                at(today - timedelta(days=30), 10),
                disposition="refer",
                agency_id=self.agency.pk,
                follow_up_on=today - timedelta(days=number),
            )
        later = record(
            self.soudan,
            make_person(self.window, "鈴木", "一郎"),
            at(today - timedelta(days=1), 10),
            disposition="refer",
            agency_id=self.agency.pk,
            follow_up_on=today + timedelta(days=7),
        )
        self.login(self.soudan)
        response = self.client.get("/consultations/")
        listed = [referral.pk for referral, _, _ in response.context["open_referrals"]]
        self.assertEqual(len(listed), DAY_REFERRALS_SHOWN)
        self.assertNotIn(later.referral_id, listed)
        self.assertContains(response, '<a href="/referrals/">すべてのつなぎ</a>')
        self.assertContains(response, "ほかに1件あります")
