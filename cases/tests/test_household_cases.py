"""A case supports a household (8050: parent and child), and the household page shows who is
involved with each member."""

from cases.models import Case
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.models import Referral
from collaboration.referrals.services import referral_create
from people.models import Household, HouseholdMembership
from tsunagu.test import BaseTestCase


class HouseholdCaseTests(BaseTestCase):
    def setUp(self) -> None:
        self.father = make_person(self.window, "高橋", "茂")
        self.son = make_person(self.window, "", "", alias="高橋さんの長男")
        self.household = Household.objects.create(organisation=self.window, label="高橋さん世帯")
        for person, relationship in ((self.father, "head"), (self.son, "child")):
            HouseholdMembership.objects.create(
                household=self.household, person=person, relationship=relationship
            )
        self.case = open_case(self.soudan, self.son, title="長男の支援")

    def test_the_worker_links_the_case_to_the_persons_household(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            f"/cases/{self.case.pk}/household/",
            {"household": self.household.pk, "version": self.case.version},
            follow=True,
        )
        self.assertContains(response, "ケースの世帯を設定しました。")
        self.assertContains(response, "高橋 茂</a>（世帯主・")
        self.assertEqual(Case.objects.get(pk=self.case.pk).household_id, self.household.pk)

    def test_a_household_of_another_office_cannot_be_linked(self) -> None:
        other = Household.objects.create(organisation=self.minato_window, label="港さん世帯")
        self.login(self.soudan)
        self.client.post(f"/cases/{self.case.pk}/household/", {"household": other.pk, "version": 1})
        self.assertIsNone(Case.objects.get(pk=self.case.pk).household_id)

    def test_a_case_opens_for_a_household_as_a_whole(self) -> None:
        self.login(self.soudan)
        response = self.client.post(f"/households/{self.household.pk}/cases/new/", follow=True)
        case = Case.objects.get(household=self.household)
        self.assertIsNone(case.person_id)
        self.assertContains(response, "高橋さん世帯のケースを開きました。")

    def test_another_office_cannot_open_a_case_for_the_household(self) -> None:
        self.login(self.minato)
        response = self.client.post(f"/households/{self.household.pk}/cases/new/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Case.objects.filter(household=self.household).exists())

    def test_the_household_page_shows_each_members_cases_and_agencies(self) -> None:
        hospital = make_agency(self.soudan, "つなぐ総合病院 医療相談室", "medical")
        referral_create(
            organisation_id=self.window.pk,
            person_id=self.father.pk,
            agency_id=hospital.pk,
            purpose="退院後の生活",
            follow_up_on=days_ago(-7),
            case=self.case,
            by=self.soudan,
        )
        self.login(self.soudan)
        response = self.client.get(f"/households/{self.household.pk}/")
        self.assertContains(response, f"ケース #{self.case.pk}（受付）")
        self.assertContains(response, "つなぐ総合病院 医療相談室（打診中）")
        self.assertEqual(Referral.objects.count(), 1)

    def test_the_father_is_referred_from_his_sons_household_case(self) -> None:
        Case.objects.filter(pk=self.case.pk).update(household=self.household)
        hospital = make_agency(self.soudan, "つなぐ総合病院 医療相談室", "medical")
        self.login(self.soudan)
        form_page = self.client.get(f"/cases/{self.case.pk}/referrals/new/")
        self.assertContains(form_page, "高橋 茂（世帯主）")
        self.client.post(
            f"/cases/{self.case.pk}/referrals/new/",
            {
                "person": self.father.pk,
                "agency": hospital.pk,
                "purpose": "退院後の生活の相談",
                "follow_up_on": days_ago(-14).isoformat(),
            },
        )
        referral = Referral.objects.get()
        self.assertEqual((referral.person_id, referral.case_id), (self.father.pk, self.case.pk))

    def test_a_second_click_does_not_open_a_second_household_case(self) -> None:
        self.login(self.soudan)
        self.client.post(f"/households/{self.household.pk}/cases/new/")
        response = self.client.post(f"/households/{self.household.pk}/cases/new/", follow=True)
        case = Case.objects.get(household=self.household)
        self.assertRedirects(response, f"/households/{self.household.pk}/")
        self.assertContains(
            response,
            "この世帯にはすでに開いているケースがあります"
            f"（ケース #{case.pk}「高橋さん世帯の支援」）。",
        )
        self.assertContains(response, f'href="/cases/{case.pk}/"')
        self.assertEqual(Case.objects.filter(household=self.household).count(), 1)
