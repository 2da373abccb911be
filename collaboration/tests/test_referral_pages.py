from typing import Any

from accounts.models import LocalGovernment
from audit.models import AuditEvent
from cases.models import Case, Stage
from cases.services import case_open
from cases.tests.helpers import days_ago, follow_up_passed, make_agency, make_person, open_case
from collaboration.models import Agency, AgencyCategory, Referral, ReferralEvent
from collaboration.referrals.services import referral_create
from people.models import Household, HouseholdMembership
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


class ReferralCreateTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.url = f"/cases/{self.case.pk}/referrals/new/"
        self.houkatsu_centre = make_agency(self.soudan)
        prefecture = LocalGovernment.objects.get(name="つなぐ県")
        self.centre = Agency.objects.create(
            local_government=prefecture,
            name="つなぐ県精神保健福祉センター",
            category=AgencyCategory.MENTAL_HEALTH_CENTRE,
        )
        self.town_agency = Agency.objects.create(
            local_government=LocalGovernment.objects.get(name="みなと町"),
            name="みなと町社会福祉協議会",
            category=AgencyCategory.SOCIAL_WELFARE_COUNCIL,
        )

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "agency": str(self.houkatsu_centre.pk),
            "purpose": "父親の介護保険の申請と、ケアマネジャーとの連携",
            "accompanied": "on",
            "follow_up_on": days_ago(-14).isoformat(),
        }
        data.update(overrides)
        return data

    def test_the_form_offers_the_agencies_of_the_city_and_the_prefecture_only(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        self.assertContains(response, "つなぐ市中央地域包括支援センター（地域包括支援センター）")
        self.assertContains(response, "つなぐ県精神保健福祉センター")
        self.assertNotContains(response, "みなと町社会福祉協議会")
        self.assertEqual(response.context["form"].initial["follow_up_on"], days_ago(-14))

    def test_a_referral_is_created_and_followed_on_its_page(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data())
        referral = Referral.objects.get(case=self.case)
        self.assertRedirects(response, f"/referrals/{referral.pk}/")
        self.assertEqual(
            (referral.person_id, referral.agency_id, referral.accompanied, referral.state),
            (self.case.person_id, self.houkatsu_centre.pk, True, Referral.State.PROPOSED),
        )
        self.assertEqual(referral.referred_by, self.soudan)
        page = self.client.get(f"/referrals/{referral.pk}/")
        self.assertContains(page, "父親の介護保険の申請と、ケアマネジャーとの連携")
        self.assertContains(page, wareki(days_ago(-14)))
        self.assertContains(page, "打診中")
        case_page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(case_page, f'href="/referrals/{referral.pk}/"')

    def test_an_agency_of_another_town_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(agency=str(self.town_agency.pk)))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["agency"])
        self.assertFalse(Referral.objects.exists())

    def test_a_follow_up_date_in_the_past_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(follow_up_on=days_ago(1).isoformat()))
        self.assertContains(response, "確認する日は今日以降の日付にしてください。")
        self.assertEqual(
            response.context["form"].errors["follow_up_on"],
            ["確認する日は今日以降の日付にしてください。"],
        )
        self.assertFalse(Referral.objects.exists())

    def test_for_a_household_case_the_worker_chooses_the_member_to_refer(self) -> None:
        household = Household.objects.create(organisation=self.window, label="高橋家")
        father = make_person(self.window, "高橋", "茂")
        HouseholdMembership.objects.create(
            household=household, person=father, relationship="father"
        )
        case = case_open(
            organisation_id=self.window.pk,
            title="高橋家（8050）",
            lead_worker=self.soudan,
            household_id=household.pk,
            by=self.soudan,
        )
        self.login(self.soudan)
        url = f"/cases/{case.pk}/referrals/new/"
        self.assertContains(self.client.get(url), "高橋 茂（")
        self.client.post(url, self.form_data(person=str(father.pk)))
        self.assertEqual(Referral.objects.get(case=case).person, father)

    def test_a_closed_case_cannot_refer(self) -> None:
        Case.objects.filter(pk=self.case.pk).update(stage=Stage.CLOSED)
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(), follow=True)
        self.assertContains(response, "終結したケースです。再開してからつないでください。")
        self.assertFalse(Referral.objects.exists())

    def test_another_town_gets_404_and_the_statistics_clerk_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.login(self.toukei)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 403)
        self.assertFalse(Referral.objects.exists())


class ReferralStateTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.case.person_id or 0,
            agency_id=make_agency(self.soudan).pk,
            purpose="介護保険の申請",
            follow_up_on=days_ago(0),
            case=self.case,
            by=self.soudan,
        )
        self.referral = follow_up_passed(referral, days_ago(2))
        self.url = f"/referrals/{self.referral.pk}/"

    def post(self, **data: Any) -> Any:
        data.setdefault("version", Referral.objects.get(pk=self.referral.pk).version)
        return self.client.post(self.url, data)

    def test_only_the_next_states_are_offered(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        choices = [value for value, _ in response.context["form"].fields["state"].choices]
        self.assertEqual(choices, ["", "accepted", "connected", "failed"])
        self.assertContains(response, "確認日を過ぎています")

    def test_accepted_then_connected_is_recorded_in_the_history(self) -> None:
        self.login(self.soudan)
        self.post(state="accepted", follow_up_on=days_ago(-7).isoformat(), note="来週面談予定")
        referral = Referral.objects.get(pk=self.referral.pk)
        self.assertEqual((referral.state, referral.follow_up_on), ("accepted", days_ago(-7)))
        response = self.post(state="connected")
        self.assertRedirects(response, self.url)
        page = self.client.get(self.url)
        self.assertContains(page, "初回面談済（つながった）")
        self.assertContains(page, "来週面談予定")
        self.assertEqual(
            list(
                ReferralEvent.objects.filter(referral=self.referral).values_list("state", flat=True)
            ),
            ["proposed", "accepted", "connected"],
        )

    def test_failed_needs_a_reason(self) -> None:
        self.login(self.soudan)
        response = self.post(state="failed", note=" ")
        self.assertContains(response, "不成立の理由を入力してください。")
        self.assertEqual(
            response.context["form"].errors["note"], ["不成立の理由を入力してください。"]
        )
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).state, "proposed")
        self.post(state="failed", note="本人が外出を望まなかった")
        referral = Referral.objects.get(pk=self.referral.pk)
        self.assertEqual(
            (referral.state, referral.failed_reason), ("failed", "本人が外出を望まなかった")
        )

    def test_a_state_that_does_not_follow_is_refused(self) -> None:
        self.login(self.soudan)
        # Only the next states are offered; the service refuses another, at the field.
        response = self.post(state="ended")
        self.assertEqual(
            response.context["form"].errors["state"], ["「打診中」から「終了」には変えられません。"]
        )
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).state, "proposed")

    def test_a_stale_change_is_refused(self) -> None:
        self.login(self.soudan)
        stale = self.referral.version
        self.post(state="accepted")
        response = self.post(state="failed", note="連絡がとれない", version=stale)
        self.assertContains(response, "ほかの人が先にこのつなぎを更新しました。")
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).state, "accepted")

    def test_the_change_is_audited(self) -> None:
        self.login(self.soudan)
        self.post(state="connected")
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual(
            (row.object_type, row.detail), ("collaboration.referral", {"fields": ["state"]})
        )

    def test_another_town_gets_404_and_the_administrator_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.login(self.admin)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.post(state="connected").status_code, 403)
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).state, "proposed")
