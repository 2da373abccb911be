"""The placements on the host page (counts for all, case numbers only of the viewer's own cases)
and on the person hub (one line per placement of the person's cases the viewer sees)."""

from cases.tests.helpers import open_case
from participation.models import PlacementStage
from participation.placements import placement_move, placement_propose
from participation.tests.helpers import make_host, make_offer
from tsunagu.test import BaseTestCase


class HostPagePlacementTests(BaseTestCase):
    def setUp(self) -> None:
        host = make_host(self.soudan, shared_in_prefecture=True)
        self.host = host
        self.offer = make_offer(self.soudan, host, places=3)
        self.own_case = open_case(self.soudan, title="母の就労")
        self.own = placement_propose(case=self.own_case, offer=self.offer, by=self.soudan)
        self.other_case = open_case(self.houkatsu, title="包括のケース")
        self.other = placement_propose(case=self.other_case, offer=self.offer, by=self.houkatsu)

    def test_the_owner_sees_the_counts_and_the_case_numbers_of_own_cases_only(self) -> None:
        self.login(self.soudan)
        page = self.client.get(f"/hosts/{self.host.pk}/")
        self.assertContains(page, '<h2 id="host-placements">参加（2件）</h2>', html=True)
        self.assertContains(page, "提案 2件、見学 0件、初回（同行） 0件、継続 0件、終了 0件")
        self.assertContains(
            page,
            f'<a href="/placements/{self.own.pk}/">ケース番号 {self.own_case.pk}</a>',
            html=True,
        )
        self.assertNotContains(page, f"/placements/{self.other.pk}/")
        self.assertNotContains(page, "包括のケース")
        self.assertNotContains(page, "母の就労")
        self.assertContains(page, "ほかの機関のケースの参加: 1件（件数だけを表示します）")

    def test_another_organisations_worker_sees_their_own_case_and_a_count_of_the_rest(
        self,
    ) -> None:
        placement_move(
            placement=self.own,
            stage=PlacementStage.CONTINUING,
            on=self.own.proposed_on,
            version=self.own.version,
            by=self.soudan,
        )
        self.login(self.houkatsu)
        page = self.client.get(f"/hosts/{self.host.pk}/")
        self.assertContains(page, "提案 1件、見学 0件、初回（同行） 0件、継続 1件、終了 0件")
        self.assertContains(page, f"ケース番号 {self.other_case.pk}")
        self.assertNotContains(page, f"ケース番号 {self.own_case.pk}<")
        self.assertNotContains(page, f"/placements/{self.own.pk}/")
        self.assertContains(page, "ほかの機関のケースの参加: 1件（件数だけを表示します）")

    def test_a_host_without_placements_says_so(self) -> None:
        host = make_host(self.soudan, name="農園 ひだまり")
        self.login(self.soudan)
        page = self.client.get(f"/hosts/{host.pk}/")
        self.assertContains(page, "この受入先での参加はまだありません。")


class PersonHubPlacementTests(BaseTestCase):
    def test_the_hub_lists_the_placements_of_the_persons_visible_cases(self) -> None:
        host = make_host(self.soudan, shared_in_prefecture=True)
        offer = make_offer(self.soudan, host, places=3)
        case = open_case(self.soudan, title="母の就労")
        placement = placement_propose(case=case, offer=offer, by=self.soudan)
        self.login(self.soudan)
        page = self.client.get(f"/persons/{case.person_id}/")
        self.assertContains(page, '<h2 id="hub-placements">参加</h2>', html=True)
        self.assertContains(
            page,
            f'<a href="/placements/{placement.pk}/">'
            "社会福祉法人 あおば会 あおばの里: リネンたたみ</a>",
            html=True,
        )
        self.assertContains(page, "（提案、ケース「母の就労」）")

    def test_another_organisations_placement_of_the_same_person_stays_out(self) -> None:
        host = make_host(self.soudan, shared_in_prefecture=True)
        offer = make_offer(self.soudan, host, places=3)
        case = open_case(self.soudan, title="母の就労")
        other = open_case(self.houkatsu, title="包括のケース", person=case.person)
        placement_propose(case=other, offer=offer, by=self.houkatsu)
        self.login(self.soudan)
        page = self.client.get(f"/persons/{case.person_id}/")
        self.assertContains(page, "参加の記録はありません。")
