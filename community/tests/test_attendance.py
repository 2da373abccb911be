from datetime import date, time

from django.core.exceptions import ValidationError

from community.figures import attendance_figures
from community.models import Attendance, Audience, Reservation
from community.services import (
    attend_anonymous,
    attend_nickname,
    attend_registered,
    nickname_create,
    nickname_link,
    nickname_unlink,
    reservation_cancel,
    reserve,
)
from community.tests.helpers import make_person, make_place, make_reservation_place, make_session
from people.models import AgeBand
from tsunagu.test import BaseTestCase


class ReservationTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.staff = cls.world.staff["ibasho"]
        npo = cls.world.organisations["npo"]
        cls.place = make_reservation_place(cls.staff, capacity=2)
        cls.session = make_session(cls.place, cls.staff, date(2025, 6, 7))
        cls.persons = [make_person(npo, "山田", name) for name in ("一", "二", "三", "四")]

    def test_beyond_capacity_goes_to_the_waiting_list_with_a_clear_message(self) -> None:
        first = reserve(
            session=self.session, person=self.persons[0], channel="phone", by=self.staff
        )
        reserve(session=self.session, person=self.persons[1], channel="sns", by=self.staff)
        third = reserve(
            session=self.session, person=self.persons[2], channel="phone", by=self.staff
        )
        fourth = reserve(
            session=self.session, person=self.persons[3], channel="phone", by=self.staff
        )
        self.assertEqual(first.message, "予約を受け付けました。")
        self.assertEqual(third.reservation.status, Reservation.Status.WAITING)
        self.assertEqual(
            third.message,
            "定員（2人）に達しているため、キャンセル待ち（1番目）で受け付けました。"
            "予約が取り消されたら順に繰り上げます。",
        )
        self.assertIn("キャンセル待ち（2番目）", fourth.message)

    def test_a_cancellation_promotes_the_first_on_the_waiting_list(self) -> None:
        first = reserve(
            session=self.session, person=self.persons[0], channel="phone", by=self.staff
        )
        reserve(session=self.session, person=self.persons[1], channel="phone", by=self.staff)
        waiting = reserve(
            session=self.session, person=self.persons[2], channel="phone", by=self.staff
        )
        reserve(session=self.session, person=self.persons[3], channel="phone", by=self.staff)
        promoted = reservation_cancel(reservation=first.reservation, by=self.staff)
        assert promoted is not None
        self.assertEqual(promoted.pk, waiting.reservation.pk)
        statuses = dict(self.session.reservations.values_list("person__given_name", "status"))
        self.assertEqual(
            statuses, {"一": "cancelled", "二": "confirmed", "三": "confirmed", "四": "waiting"}
        )

    def test_cancelling_a_waiting_reservation_promotes_nobody(self) -> None:
        reserve(session=self.session, person=self.persons[0], channel="phone", by=self.staff)
        reserve(session=self.session, person=self.persons[1], channel="phone", by=self.staff)
        waiting = reserve(
            session=self.session, person=self.persons[2], channel="phone", by=self.staff
        )
        self.assertIsNone(reservation_cancel(reservation=waiting.reservation, by=self.staff))

    def test_twice_and_free_places_are_refused(self) -> None:
        reserve(session=self.session, person=self.persons[0], channel="phone", by=self.staff)
        with self.assertRaisesMessage(ValidationError, "すでにこの開催回を予約しています"):
            reserve(session=self.session, person=self.persons[0], channel="phone", by=self.staff)
        free = make_place(self.staff, name="自由参加の居場所")
        free_session = make_session(free, self.staff, date(2025, 6, 7))
        with self.assertRaisesMessage(ValidationError, "自由参加です"):
            reserve(session=free_session, person=self.persons[0], channel="phone", by=self.staff)


class NicknameTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.staff = cls.world.staff["ibasho"]
        cls.npo = cls.world.organisations["npo"]
        cls.place = make_place(cls.staff)

    def test_link_to_the_wrong_person_and_unlink_restores_both(self) -> None:
        wrong = make_person(self.npo, "佐藤", "誤")
        session = make_session(self.place, self.staff, date(2025, 6, 4))
        attend_registered(session=session, person=wrong, by=self.staff)
        later = make_session(self.place, self.staff, date(2025, 6, 11))
        nickname = nickname_create(
            organisation_id=self.npo.pk, data={"nickname": "そら"}, by=self.staff
        )
        attend_nickname(session=later, nickname=nickname, by=self.staff)
        before = attendance_figures([self.place], date(2025, 6, 1), date(2025, 6, 30)).total
        self.assertEqual(before.participants, 2)

        nickname_link(nickname=nickname, person=wrong, by=self.staff)
        linked = attendance_figures([self.place], date(2025, 6, 1), date(2025, 6, 30)).total
        self.assertEqual(linked.participants, 1)  # counted as the same person

        nickname_unlink(nickname=nickname, by=self.staff)
        nickname.refresh_from_db()
        self.assertIsNone(nickname.linked_person)
        self.assertEqual(list(wrong.attendances.values_list("session_id", flat=True)), [session.pk])
        self.assertEqual(
            list(nickname.attendances.values_list("session_id", flat=True)), [later.pk]
        )
        after = attendance_figures([self.place], date(2025, 6, 1), date(2025, 6, 30)).total
        self.assertEqual(after.participants, 2)

    def test_linking_twice_or_across_organisations_is_refused(self) -> None:
        nickname = nickname_create(
            organisation_id=self.npo.pk, data={"nickname": "うみ"}, by=self.staff
        )
        nickname_link(nickname=nickname, person=make_person(self.npo, "田中", "一"), by=self.staff)
        with self.assertRaisesMessage(ValidationError, "先に結び付けを解除してください"):
            nickname_link(
                nickname=nickname, person=make_person(self.npo, "田中", "二"), by=self.staff
            )
        other = nickname_create(
            organisation_id=self.npo.pk, data={"nickname": "かぜ"}, by=self.staff
        )
        with self.assertRaisesMessage(ValidationError, "別の機関の記録"):
            nickname_link(
                nickname=other, person=make_person(self.window, "田中", "三"), by=self.staff
            )

    def test_attendance_twice_and_on_a_cancelled_session_is_refused(self) -> None:
        person = make_person(self.npo, "鈴木", "一")
        session = make_session(self.place, self.staff, date(2025, 6, 4))
        attend_registered(session=session, person=person, by=self.staff)
        with self.assertRaisesMessage(ValidationError, "すでにこの開催回の出席に記録されています"):
            attend_registered(session=session, person=person, by=self.staff)
        session.is_cancelled = True
        session.save()
        with self.assertRaisesMessage(ValidationError, "休みの開催回"):
            attend_anonymous(session=session, head_count=2, first_time_count=0, by=self.staff)
        with self.assertRaisesMessage(ValidationError, "人数以下"):
            session.is_cancelled = False
            attend_anonymous(session=session, head_count=2, first_time_count=3, by=self.staff)


class FiguresTests(BaseTestCase):
    """April–June 2025 at two places; figures checked cell by cell."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        staff = cls.world.staff["ibasho"]
        npo = cls.world.organisations["npo"]
        cls.youth = make_place(staff, name="若者の居場所", audience=Audience.YOUTH)
        cls.family = make_place(staff, name="家族会", audience=Audience.FAMILY)
        march = make_session(cls.youth, staff, date(2025, 3, 26))
        april = make_session(cls.youth, staff, date(2025, 4, 2))
        may = make_session(cls.youth, staff, date(2025, 5, 7))
        july = make_session(cls.youth, staff, date(2025, 7, 2))
        make_session(cls.youth, staff, date(2025, 5, 14), is_cancelled=True)
        evening = make_session(cls.family, staff, date(2025, 4, 18), time(18, 30), time(20, 30))
        taro = make_person(npo, "青木", "太郎", birth_date=date(2000, 4, 10))  # 24 then 25
        hanako = make_person(npo, "青木", "花子", age_band=AgeBand.FIFTIES)
        sora = nickname_create(
            organisation_id=npo.pk, data={"nickname": "そら", "age_band": "30s"}, by=staff
        )
        attend_registered(session=march, person=taro, by=staff)  # before the period
        attend_registered(session=april, person=taro, by=staff)  # 20s
        attend_registered(session=may, person=taro, by=staff)  # 20s (25 since 10 April)
        attend_nickname(session=april, nickname=sora, by=staff)  # 30s, first time
        attend_nickname(session=may, nickname=sora, by=staff)
        attend_anonymous(session=may, head_count=3, first_time_count=1, by=staff)
        attend_registered(session=july, person=hanako, by=staff)  # after the period
        attend_registered(session=evening, person=hanako, by=staff)  # 50s, first time
        cls.report = attendance_figures(
            [cls.youth, cls.family], date(2025, 4, 1), date(2025, 6, 30)
        )

    def test_per_place_cells(self) -> None:
        youth, family = (row.figures for row in self.report.per_place)
        self.assertEqual(
            (youth.sessions_held, youth.visits, youth.participants, youth.first_time),
            (2, 7, 2, 2),  # sora + 1 anonymous; taro came in March
        )
        self.assertEqual(youth.anonymous_visits, 3)
        self.assertEqual(
            (family.sessions_held, family.visits, family.participants, family.first_time),
            (1, 1, 1, 1),
        )

    def test_total_cells(self) -> None:
        total = self.report.total
        self.assertEqual(total.sessions_held, 3)
        self.assertEqual(total.visits, 8)
        self.assertEqual(total.participants, 3)
        self.assertEqual(total.first_time, 3)
        self.assertEqual(total.anonymous_visits, 3)

    def test_by_audience_and_by_age_band_cells(self) -> None:
        total = self.report.total
        self.assertEqual(total.by_audience, {"youth": 7, "family": 1})
        self.assertEqual(dict(total.audience_rows())["若者"], 7)
        self.assertEqual(dict(total.audience_rows())["どなたでも"], 0)
        self.assertEqual(total.by_age_band, {"20s": 2, "30s": 2, "unknown": 3, "50s": 1})
        self.assertEqual(dict(total.age_band_rows())["年齢不明"], 3)

    def test_no_attendance_no_figures(self) -> None:
        empty = attendance_figures([self.youth], date(2024, 4, 1), date(2024, 6, 30)).total
        self.assertEqual((empty.visits, empty.participants, empty.first_time), (0, 0, 0))
        self.assertEqual(Attendance.objects.count(), 8)
