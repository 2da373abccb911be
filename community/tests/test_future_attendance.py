"""Attendance is what happened: a session whose day is still ahead is reserved, never attended."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from community.models import Attendance, NicknameParticipant, Reservation
from community.services import (
    ATTENDED_BEFORE_SESSION,
    attend_anonymous,
    attend_new_nickname,
    attend_nickname,
    attend_registered,
    nickname_create,
    reserve,
    session_when,
)
from community.tests.helpers import make_person, make_reservation_place, make_session
from tsunagu.test import BaseTestCase


class FutureAttendanceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.npo = cls.world.organisations["npo"]
        cls.place = make_reservation_place(cls.ibasho, capacity=3)
        cls.today = timezone.localdate()
        cls.tomorrow = make_session(cls.place, cls.ibasho, cls.today + timedelta(days=1))
        cls.person = make_person(cls.npo, "高田", "陽介", family_name_kana="タカダ")

    def refusal(self) -> str:
        session = self.tomorrow
        when = session_when(session.date, session.start_time, session.end_time)
        return ATTENDED_BEFORE_SESSION.format(when=when)

    def test_the_service_refuses_every_kind_of_attendance_before_the_day(self) -> None:
        nickname = nickname_create(
            organisation_id=self.npo.pk, data={"nickname": "ソラ"}, by=self.ibasho
        )
        attempts = {
            "registered": lambda: attend_registered(
                session=self.tomorrow, person=self.person, by=self.ibasho
            ),
            "nickname": lambda: attend_nickname(
                session=self.tomorrow, nickname=nickname, by=self.ibasho
            ),
            "anonymous": lambda: attend_anonymous(
                session=self.tomorrow, head_count=2, first_time_count=0, by=self.ibasho
            ),
            "new nickname": lambda: attend_new_nickname(
                session=self.tomorrow, data={"nickname": "ミカン"}, by=self.ibasho
            ),
        }
        for kind, attempt in attempts.items():
            with self.subTest(kind), self.assertRaisesMessage(ValidationError, self.refusal()):
                attempt()
        self.assertFalse(Attendance.objects.exists())
        # The refused first visit leaves no participant behind.
        self.assertFalse(NicknameParticipant.objects.filter(nickname="ミカン").exists())

    def test_the_message_names_the_session(self) -> None:
        self.assertIn("まだ開かれていません", self.refusal())
        self.assertIn(f"{self.tomorrow.start_time:%H:%M}", self.refusal())

    def test_todays_session_takes_attendance(self) -> None:
        today = make_session(self.place, self.ibasho, self.today)
        attendance = attend_registered(session=today, person=self.person, by=self.ibasho)
        self.assertEqual(attendance.session, today)

    def test_a_session_ahead_still_takes_reservations(self) -> None:
        result = reserve(session=self.tomorrow, person=self.person, channel="phone", by=self.ibasho)
        self.assertEqual(result.reservation.status, Reservation.Status.CONFIRMED)

    def test_the_page_offers_reservations_only_and_says_why(self) -> None:
        self.login(self.ibasho)
        url = f"/ibasho/sessions/{self.tomorrow.pk}/"
        page = self.client.get(url, {"q": "高田"})
        self.assertContains(page, "この開催回はまだ開かれていません。出席は開催日の当日から")
        self.assertContains(page, "電話で予約")
        self.assertContains(page, "予約を受け付ける")
        self.assertNotContains(page, "ニックネームで出席を記録")
        self.assertNotContains(page, "人数を記録")
        self.assertNotContains(page, f'action="{url}attend/registered/"')

    def test_a_posted_attendance_is_refused_on_the_page_and_nothing_is_saved(self) -> None:
        self.login(self.ibasho)
        url = f"/ibasho/sessions/{self.tomorrow.pk}/"
        response = self.client.post(
            f"{url}attend/registered/", {"person": self.person.pk}, follow=True
        )
        self.assertRedirects(response, url)
        self.assertContains(response, self.refusal())
        response = self.client.post(f"{url}attend/nickname/", {"nickname": "ミカン"}, follow=True)
        self.assertContains(response, self.refusal())
        self.assertFalse(Attendance.objects.exists())
        self.assertFalse(NicknameParticipant.objects.exists())
