from datetime import date, time, timedelta

from django.core.exceptions import ValidationError

from community.models import Frequency, ScheduleException, Session, Weekday
from community.services import (
    horizon,
    occurrence_dates,
    schedule_add_exception,
    schedule_create,
)
from community.tests.helpers import make_place, make_session
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


def schedule_data(**fields: object) -> dict[str, object]:
    return {
        "frequency": Frequency.WEEKLY,
        "weekday": Weekday.WEDNESDAY,
        "weeks_of_month": [],
        "day_of_month": None,
        "start_time": time(13, 0),
        "end_time": time(16, 0),
        "starts_on": date(2025, 4, 1),
        "ends_on": date(2025, 5, 31),
        "closed_on_holidays": True,
        "programme": "free_space",
        "title": "",
        **fields,
    }


class RecurrenceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.staff = cls.world.staff["ibasho"]
        cls.place = make_place(cls.staff)

    def test_every_wednesday_skips_the_holiday_of_29_april_when_closed_on_holidays(self) -> None:
        # 2025-04-29 is a Tuesday (昭和の日); 2025-05-06 振替休日 is a Tuesday too. Use Monday
        # to see the holiday rule: 2025-05-05 こどもの日 and 2025-05-06 振替休日 fall on Mon/Tue.
        schedule, result, note = schedule_create(
            place=self.place, data=schedule_data(weekday=Weekday.MONDAY), by=self.staff
        )
        days = [s.date for s in result.created]
        self.assertEqual(
            days,
            [
                date(2025, 4, 7),
                date(2025, 4, 14),
                date(2025, 4, 21),
                date(2025, 4, 28),
                date(2025, 5, 12),
                date(2025, 5, 19),
                date(2025, 5, 26),
            ],
        )
        self.assertNotIn(date(2025, 5, 5), days)  # こどもの日
        self.assertEqual(note, "")
        self.assertEqual(schedule.describe(), "毎週月曜 13:00〜16:00（祝日は休み）")

    def test_open_on_holidays_keeps_the_holiday(self) -> None:
        _, result, _ = schedule_create(
            place=self.place,
            data=schedule_data(weekday=Weekday.MONDAY, closed_on_holidays=False),
            by=self.staff,
        )
        self.assertIn(date(2025, 5, 5), [s.date for s in result.created])

    def test_second_and_fourth_saturday(self) -> None:
        schedule, result, _ = schedule_create(
            place=self.place,
            data=schedule_data(
                frequency=Frequency.MONTHLY_NTH, weekday=Weekday.SATURDAY, weeks_of_month=[2, 4]
            ),
            by=self.staff,
        )
        self.assertEqual(
            [s.date for s in result.created],
            [date(2025, 4, 12), date(2025, 4, 26), date(2025, 5, 10), date(2025, 5, 24)],
        )
        self.assertEqual(schedule.describe(), "毎月第2・第4土曜 13:00〜16:00（祝日は休み）")

    def test_once_a_month_on_a_day_and_every_other_week(self) -> None:
        _, monthly, _ = schedule_create(
            place=self.place,
            data=schedule_data(frequency=Frequency.MONTHLY_DAY, weekday=None, day_of_month=15),
            by=self.staff,
        )
        self.assertEqual([s.date for s in monthly.created], [date(2025, 4, 15), date(2025, 5, 15)])
        _, biweekly, _ = schedule_create(
            place=self.place,
            data=schedule_data(
                frequency=Frequency.BIWEEKLY,
                weekday=Weekday.FRIDAY,
                start_time=time(18, 0),
                end_time=time(20, 0),
            ),
            by=self.staff,
        )
        self.assertEqual(
            [s.date for s in biweekly.created],
            [
                date(2025, 4, 4),
                date(2025, 4, 18),
                date(2025, 5, 2),
                date(2025, 5, 16),
                date(2025, 5, 30),
            ],
        )

    def test_exceptions_close_a_date_and_add_an_extra_one(self) -> None:
        schedule, _, _ = schedule_create(place=self.place, data=schedule_data(), by=self.staff)
        result = schedule_add_exception(
            schedule=schedule,
            day=date(2025, 4, 16),
            kind=ScheduleException.Kind.CLOSED,
            note="会場点検",
            by=self.staff,
        )
        self.assertEqual(len(result.cancelled), 1)
        cancelled = Session.objects.get(place=self.place, date=date(2025, 4, 16))
        self.assertTrue(cancelled.is_cancelled)
        self.assertEqual(cancelled.cancel_reason, "会場点検")
        extra = schedule_add_exception(
            schedule=schedule,
            day=date(2025, 4, 18),
            kind=ScheduleException.Kind.EXTRA,
            note="臨時開催",
            by=self.staff,
        )
        self.assertEqual([s.date for s in extra.created], [date(2025, 4, 18)])
        self.assertIn(date(2025, 4, 18), occurrence_dates(schedule))
        self.assertNotIn(date(2025, 4, 16), occurrence_dates(schedule))
        with self.assertRaisesMessage(ValidationError, "すでに例外が登録されています"):
            schedule_add_exception(
                schedule=schedule,
                day=date(2025, 4, 18),
                kind=ScheduleException.Kind.CLOSED,
                note="",
                by=self.staff,
            )

    def test_a_recurrence_without_end_is_limited_to_two_years_with_a_message(self) -> None:
        today = date.today()
        schedule, result, note = schedule_create(
            place=self.place,
            data=schedule_data(starts_on=today, ends_on=None, closed_on_holidays=False),
            by=self.staff,
        )
        self.assertEqual(schedule.ends_on, horizon())
        self.assertIn("終了日の指定がないため、2年先", note)
        self.assertIn(wareki(horizon()), note)
        self.assertLessEqual(max(s.date for s in result.created), horizon())
        self.assertGreaterEqual(len(result.created), 104)

    def test_an_end_beyond_two_years_is_limited(self) -> None:
        today = date.today()
        schedule, _, note = schedule_create(
            place=self.place,
            data=schedule_data(starts_on=today, ends_on=today + timedelta(days=365 * 5)),
            by=self.staff,
        )
        self.assertEqual(schedule.ends_on, horizon())
        self.assertIn("終了日は2年先", note)


class OverlapTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.staff = cls.world.staff["ibasho"]
        cls.place = make_place(cls.staff)

    def test_an_overlapping_session_of_the_same_place_is_refused_in_japanese(self) -> None:
        make_session(self.place, self.staff, date(2025, 6, 4))
        with self.assertRaisesMessage(ValidationError, "同じ時間帯に別の開催回があります"):
            make_session(self.place, self.staff, date(2025, 6, 4), time(15, 0), time(17, 0))
        self.assertEqual(Session.objects.filter(place=self.place).count(), 1)

    def test_back_to_back_sessions_and_other_places_do_not_overlap(self) -> None:
        make_session(self.place, self.staff, date(2025, 6, 4))
        make_session(self.place, self.staff, date(2025, 6, 4), time(16, 0), time(18, 0))
        other = make_place(self.staff, name="別の居場所")
        make_session(other, self.staff, date(2025, 6, 4))
        self.assertEqual(Session.objects.filter(date=date(2025, 6, 4)).count(), 3)

    def test_generation_leaves_out_overlapping_dates_and_says_which(self) -> None:
        make_session(self.place, self.staff, date(2025, 4, 9), time(14, 0), time(15, 0))
        _, result, _ = schedule_create(place=self.place, data=schedule_data(), by=self.staff)
        self.assertEqual(result.overlapping, [date(2025, 4, 9)])
        self.assertIn(wareki(date(2025, 4, 9)), result.messages()[-1])

    def test_a_session_on_an_archived_place_is_refused(self) -> None:
        from community.services import place_set_archived

        archived = place_set_archived(place=self.place, archived=True, by=self.staff)
        with self.assertRaisesMessage(ValidationError, "アーカイブされた居場所"):
            make_session(archived, self.staff, date(2025, 6, 4))
