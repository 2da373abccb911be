"""The household-membership rules live in the services, so every door refuses alike."""

from datetime import date

from django.core.exceptions import ValidationError

from people.models import HouseholdMembership
from people.services import (
    ALREADY_MEMBER,
    LEFT_BEFORE_JOINED,
    household_add_member,
    household_end_membership,
)
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.test import BaseTestCase


class MembershipRuleTests(BaseTestCase):
    def setUp(self) -> None:
        self.household = make_household(self.window, "高橋さん世帯")
        self.person = make_person(self.window, "高橋", "勇気")

    def test_the_service_refuses_a_second_current_membership(self) -> None:
        add_member(self.household, self.person, "child")
        with self.assertRaisesMessage(ValidationError, ALREADY_MEMBER.format(person=self.person)):
            household_add_member(
                household=self.household,
                person=self.person,
                data={"relationship": "child"},
                version=self.household.version,
                by=self.soudan,
            )
        self.assertEqual(HouseholdMembership.objects.filter(person=self.person).count(), 1)

    def test_the_service_refuses_leaving_before_joining(self) -> None:
        membership = add_member(self.household, self.person, "child", joined_on=date(2024, 4, 1))
        with self.assertRaisesMessage(ValidationError, LEFT_BEFORE_JOINED):
            household_end_membership(
                membership=membership, left_on=date(2024, 3, 1), by=self.soudan
            )
        membership.refresh_from_db()
        self.assertIsNone(membership.left_on)

    def test_the_page_shows_the_services_refusal(self) -> None:
        add_member(self.household, self.person, "child")
        self.login(self.soudan)
        response = self.client.post(
            f"/households/{self.household.pk}/members/",
            {"person": self.person.pk, "relationship": "child", "version": 1},
            follow=True,
        )
        self.assertContains(response, "すでにこの世帯の世帯員です")
