"""At most one open case per person per organisation; a household-only case only while no open
case of the household exists. Refused in case_open and case_reopen, naming the open case."""

from django.core.exceptions import ValidationError

from cases.models import Case, Stage
from cases.services import (
    OPEN_CASE_OF_HOUSEHOLD,
    OPEN_CASE_OF_PERSON,
    OpenCaseExists,
    case_close,
    case_open,
    case_reopen,
)
from cases.tests.helpers import make_person, open_case
from people.models import Household, HouseholdMembership
from tsunagu.test import BaseTestCase


def closed(case: Case, by):  # type: ignore[no-untyped-def]
    return case_close(
        case=case, reason="transferred", follow_up_on=None, version=case.version, by=by
    )


class OneOpenCaseTests(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.window, "高橋", "健太")
        self.case = open_case(self.soudan, self.person, title="高橋 健太さんの支援")

    def open_again(self, **fields):  # type: ignore[no-untyped-def]
        return case_open(
            organisation_id=self.window.pk,
            title="2件目",
            lead_worker=self.douryou,
            by=self.douryou,
            **({"person_id": self.person.pk} | fields),
        )

    def test_a_second_open_case_of_the_person_is_refused_naming_the_first(self) -> None:
        with self.assertRaises(OpenCaseExists) as refused:
            self.open_again()
        self.assertEqual(
            refused.exception.messages,
            [OPEN_CASE_OF_PERSON.format(number=self.case.pk, title="高橋 健太さんの支援")],
        )
        self.assertEqual(refused.exception.open_case, self.case)
        self.assertIsInstance(refused.exception, ValidationError)
        self.assertEqual(Case.objects.filter(person=self.person).count(), 1)

    def test_after_the_closure_a_new_case_may_open(self) -> None:
        closed(self.case, self.soudan)
        self.assertEqual(self.open_again().stage, Stage.INTAKE)

    def test_the_refusal_hides_a_restricted_persons_name_from_who_may_not_see_it(self) -> None:
        self.person.is_restricted = True
        self.person.restriction_reason = "dv"
        self.person.save()
        self.person.team.remove(self.douryou)
        with self.assertRaises(OpenCaseExists) as refused:
            self.open_again()
        self.assertNotIn("健太", refused.exception.messages[0])
        self.assertIn(f"制限対象者 #{self.person.pk}", refused.exception.messages[0])

    def test_reopening_is_refused_while_another_case_of_the_person_is_open(self) -> None:
        old = closed(self.case, self.soudan)
        new = self.open_again()
        with self.assertRaises(OpenCaseExists) as refused:
            case_reopen(case=old, version=old.version, by=self.soudan)
        self.assertIn(f"ケース #{new.pk}「2件目」", refused.exception.messages[0])
        self.assertEqual(Case.objects.get(pk=old.pk).stage, Stage.CLOSED)
        closed(Case.objects.get(pk=new.pk), self.douryou)
        reopened = case_reopen(case=old, version=old.version, by=self.soudan)
        self.assertEqual(reopened.stage, Stage.SUPPORT)

    def test_the_case_page_refuses_the_reopening_with_a_link_to_the_open_case(self) -> None:
        old = closed(self.case, self.soudan)
        new = self.open_again()
        self.login(self.soudan)
        response = self.client.post(
            f"/cases/{old.pk}/reopen/", {"version": old.version, "note": ""}
        )
        self.assertContains(response, f"ケース #{new.pk}「2件目」")
        link = f'<a href="/cases/{new.pk}/">開いているケース #{new.pk} へ</a>'
        self.assertContains(response, link, html=True)
        self.assertEqual(Case.objects.get(pk=old.pk).stage, Stage.CLOSED)


class HouseholdOnlyCaseTests(BaseTestCase):
    def setUp(self) -> None:
        self.son = make_person(self.window, "高橋", "健太")
        self.household = Household.objects.create(organisation=self.window, label="高橋さん世帯")
        HouseholdMembership.objects.create(
            household=self.household, person=self.son, relationship="child"
        )

    def open_for_household(self) -> Case:
        return case_open(
            organisation_id=self.window.pk,
            title="高橋さん世帯の支援",
            lead_worker=self.soudan,
            household_id=self.household.pk,
            by=self.soudan,
        )

    def test_refused_while_a_case_of_the_household_is_open(self) -> None:
        sons = open_case(self.soudan, self.son, title="長男の支援", household_id=self.household.pk)
        with self.assertRaises(OpenCaseExists) as refused:
            self.open_for_household()
        self.assertEqual(
            refused.exception.messages,
            [OPEN_CASE_OF_HOUSEHOLD.format(number=sons.pk, title="長男の支援")],
        )

    def test_a_members_case_outside_the_household_does_not_block_it(self) -> None:
        open_case(self.soudan, self.son, title="長男の支援")
        self.assertIsNone(self.open_for_household().person_id)

    def test_a_second_household_only_case_is_refused_and_a_reopening_too(self) -> None:
        first = self.open_for_household()
        with self.assertRaises(OpenCaseExists):
            self.open_for_household()
        first = closed(first, self.soudan)
        second = self.open_for_household()
        with self.assertRaisesMessage(OpenCaseExists, f"ケース #{second.pk}"):
            case_reopen(case=first, version=first.version, by=self.soudan)

    def test_a_person_case_may_open_beside_a_household_only_case(self) -> None:
        self.open_for_household()
        case = open_case(self.soudan, self.son, household_id=self.household.pk)
        self.assertEqual(case.person_id, self.son.pk)
