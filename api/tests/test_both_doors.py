"""Rules that the pages and the API share: both doors give the same answer.

Each rule lives in a service; these tests go through the page and through the API and expect
the same refusal, or the same list.
"""

import json
from typing import Any

from accounts.models import User
from api.tests.test_api import ApiTestCase
from audit.models import AuditEvent
from cases.services import case_close
from cases.tests.helpers import make_person, open_case
from collaboration.models import Agency, AgencyCategory, Referral
from collaboration.referrals.services import REFERRAL_FROM_CLOSED_CASE
from people.access import DETAIL_FIELDS


class BothDoorsTestCase(ApiTestCase):
    def api(self, method: str, path: str, user: User, body: Any = None) -> Any:
        return self.client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token_for(user)}"},
        )


class ReferralFromAClosedCaseTests(BothDoorsTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        case_close(case=self.case, reason="moved", follow_up_on=None, version=1, by=self.soudan)
        self.agency = Agency.objects.create(
            local_government=self.window.local_government,
            name="つなぐ市保健センター",
            category=AgencyCategory.PUBLIC_HEALTH,
        )

    def test_the_page_refuses_it(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            f"/cases/{self.case.pk}/referrals/new/",
            {"agency": self.agency.pk, "purpose": "健康相談", "follow_up_on": "2099-01-01"},
            follow=True,
        )
        self.assertContains(response, REFERRAL_FROM_CLOSED_CASE)
        self.assertFalse(Referral.objects.exists())

    def test_the_api_refuses_it_with_the_same_message(self) -> None:
        body = {
            "case_id": self.case.pk,
            "agency_id": self.agency.pk,
            "purpose": "健康相談",
            "follow_up_on": "2099-01-01",
        }
        response = self.api("POST", "/referrals", self.soudan, body)
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json()["errors"]["__all__"], [REFERRAL_FROM_CLOSED_CASE])
        self.assertFalse(Referral.objects.exists())


class DirectoryTests(BothDoorsTestCase):
    def setUp(self) -> None:
        government = self.window.local_government
        self.town = Agency.objects.create(
            local_government=government,
            name="つなぐ市保健センター",
            category="public_health",
            area="東地区",
        )
        assert government.prefecture is not None
        self.prefecture = Agency.objects.create(
            local_government=government.prefecture,
            name="つなぐ県精神保健福祉センター",
            category="mental_health_welfare_centre",
        )
        self.other_town = Agency.objects.create(
            local_government=self.minato_window.local_government,
            name="みなと町社会福祉協議会",
            category="social_welfare_council",
        )

    def page_names(self, user: User, query: str = "") -> set[str]:
        self.login(user)
        response = self.client.get("/agencies/", {"q": query} if query else {})
        return {agency.name for agency in response.context["agencies"]}

    def api_names(self, user: User, query: str = "") -> set[str]:
        path = f"/agencies?limit=100&q={query}"
        page = self.api("GET", path, user).json()
        self.assertIsNone(page["next_offset"])  # every agency on the one page
        return {agency["name"] for agency in page["items"]}

    def test_the_prefectural_centre_sees_the_same_agencies_through_both_doors(self) -> None:
        centre = self.world.staff["centre"]
        self.assertEqual(self.page_names(centre), self.api_names(centre))
        self.assertTrue(
            {self.town.name, self.prefecture.name, self.other_town.name} <= self.page_names(centre)
        )

    def test_a_municipal_worker_sees_their_town_and_prefecture_through_both_doors(self) -> None:
        names = self.page_names(self.soudan)
        self.assertEqual(names, self.api_names(self.soudan))
        self.assertIn(self.prefecture.name, names)
        self.assertNotIn(self.other_town.name, names)

    def test_a_search_by_area_finds_the_same_through_both_doors(self) -> None:
        self.assertEqual(self.page_names(self.soudan, "東地区"), {self.town.name})
        self.assertEqual(self.api_names(self.soudan, "東地区"), {self.town.name})


class PersonForEditTests(BothDoorsTestCase):
    """One loader (`people.access.person_for_edit`) for the edit page and the API's edits."""

    def setUp(self) -> None:
        self.person = make_person(
            self.window, "高橋", "勇気", is_restricted=True, restriction_reason="dv"
        )
        self.person.team.add(self.soudan)

    def page_edit(self, user: User) -> int:
        self.login(user)
        status: int = self.client.get(f"/persons/{self.person.pk}/edit/").status_code
        return status

    def api_edit(self, user: User) -> int:
        body = {"alias": "Bさん", "version": self.person.version}
        status: int = self.api("PATCH", f"/persons/{self.person.pk}", user, body).status_code
        return status

    def test_a_restricted_person_off_the_team_is_refused_alike_and_audited(self) -> None:
        self.assertEqual((self.page_edit(self.douryou), self.api_edit(self.douryou)), (403, 403))
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.douryou)
        self.assertEqual([row.detail["reason"] for row in denied], ["restricted_identity"] * 2)

    def test_another_offices_person_is_404_through_both_doors(self) -> None:
        self.assertEqual((self.page_edit(self.minato), self.api_edit(self.minato)), (404, 404))

    def test_a_read_only_role_is_403_through_both_doors(self) -> None:
        self.assertEqual((self.page_edit(self.kansa), self.api_edit(self.kansa)), (403, 403))

    def test_the_team_edits_and_both_doors_audit_the_same_fields(self) -> None:
        self.assertEqual((self.page_edit(self.soudan), self.api_edit(self.soudan)), (200, 200))
        reads = self.audit_rows(
            action=AuditEvent.Action.READ, object_type="people.person", actor=self.soudan
        )
        self.assertEqual(len(reads), 2)
        self.assertEqual(reads[0].detail["fields"], reads[1].detail["fields"])
        self.assertEqual(reads[0].detail["fields"], sorted(DETAIL_FIELDS))
