from datetime import date

from django.urls import reverse

from community.demo import build_community
from community.involvement import household_attendance
from community.models import Attendance, Place, Reservation
from community.services import attend_nickname, attend_registered, nickname_create, nickname_link
from community.tests.helpers import make_person, make_place, make_session
from people.demo import build_people
from people.tests.helpers import add_member, make_household
from tsunagu.test import BaseTestCase


class DemoTests(BaseTestCase):
    def test_the_demo_builds_three_places_with_attendance_once(self) -> None:
        persons = build_people(self.world)
        build_community(self.world, persons)
        build_community(self.world, persons)  # idempotent
        self.assertEqual(
            sorted(Place.objects.values_list("name", flat=True)),
            ["つなぐ市 ひきこもり家族教室", "ひだまりの居場所", "ひだまり茶話会（予約制）"],
        )
        self.assertTrue(Attendance.objects.filter(kind="nickname").exists())
        self.assertTrue(Attendance.objects.filter(person=persons["shigeru"]).exists())
        self.assertEqual(Reservation.objects.count(), 1)


class HouseholdAttendanceTests(BaseTestCase):
    def test_members_attendance_registered_or_through_a_linked_nickname(self) -> None:
        place = make_place(self.soudan, name="家族会", family_programme="family_meeting")
        first = make_session(place, self.soudan, date(2025, 6, 19))
        second = make_session(place, self.soudan, date(2025, 7, 17))
        mother = make_person(self.window, "齋藤", "由美")
        attend_registered(session=first, person=mother, by=self.soudan)
        nickname = nickname_create(
            organisation_id=self.window.pk, data={"nickname": "ゆみ"}, by=self.soudan
        )
        attend_nickname(session=second, nickname=nickname, by=self.soudan)
        nickname_link(nickname=nickname, person=mother, by=self.soudan)
        shown = household_attendance(self.soudan, [mother.pk])
        self.assertEqual([a.session_id for a in shown[mother.pk]], [second.pk, first.pk])
        self.assertEqual(household_attendance(self.minato, [mother.pk]), {})
        self.assertEqual(household_attendance(self.toukei, [mother.pk]), {})

    def test_the_household_page_shows_the_family_groups_its_members_attended(self) -> None:
        place = make_place(self.soudan, name="家族会", family_programme="family_meeting")
        session = make_session(place, self.soudan, date(2025, 6, 19))
        mother = make_person(self.window, "齋藤", "由美")
        household = make_household(self.window, "齋藤さん世帯")
        add_member(household, mother, "mother")
        attend_registered(session=session, person=mother, by=self.soudan)
        self.login(self.soudan)

        response = self.client.get(reverse("household_detail", args=[household.pk]))

        self.assertContains(response, "居場所・家族の会への参加")
        self.assertContains(response, "齋藤 由美: ")
        self.assertContains(response, "令和7年6月19日 家族会")
