"""Placements (参加): the proposal within the offer's places, the stages, the follow-up contacts,
and who sees them (the case's access)."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.tests.helpers import days_ago, open_case
from participation.models import Placement, PlacementContact, PlacementStage
from participation.placements import (
    OFFER_FULL,
    placement_move,
    placement_propose,
    taken_places_locked,
)
from participation.tests.helpers import make_offer_of_own_host as make_offer
from supporters.tests.helpers import dispatch, register
from tsunagu.test import BaseTestCase


class ProposalTests(BaseTestCase):
    def test_a_worker_proposes_an_offer_from_the_case_and_sees_it_on_the_case_page(self) -> None:
        case = open_case(self.soudan)
        offer = make_offer(self.soudan, places=2)
        self.login(self.soudan)
        page = self.client.get(f"/cases/{case.pk}/placements/new/")
        self.assertContains(
            page, "社会福祉法人 みどり会: 野菜の袋詰め（就労体験・定員2人・参加中0人）"
        )
        response = self.client.post(
            f"/cases/{case.pk}/placements/new/", {"offer": offer.pk, "proposed_on": ""}
        )
        placement = Placement.objects.get(case=case)
        self.assertRedirects(response, f"/placements/{placement.pk}/")
        self.assertEqual(placement.stage, PlacementStage.PROPOSED)
        case_page = self.client.get(f"/cases/{case.pk}/")
        self.assertContains(case_page, '<h2 id="participation">参加</h2>', html=True)
        self.assertContains(case_page, "社会福祉法人 みどり会: 野菜の袋詰め")
        self.assertContains(case_page, '<a href="#participation">参加</a>', html=True)

    def test_a_full_offer_is_refused_with_its_count(self) -> None:
        offer = make_offer(self.soudan, places=1)
        placement_propose(case=open_case(self.soudan), offer=offer, by=self.soudan)
        second = open_case(self.soudan, title="二人目のケース")
        self.login(self.soudan)
        response = self.client.post(f"/cases/{second.pk}/placements/new/", {"offer": offer.pk})
        self.assertContains(response, "この受入メニューは定員（1人）に達しています（参加中 1人）。")
        self.assertFalse(Placement.objects.filter(case=second).exists())

    def test_a_second_proposal_counts_the_first_under_the_offers_lock(self) -> None:
        # Two workers at once: the second proposal waits for the first's lock on the offer and
        # then counts it (on SQLite the write lock serialises them the same way).
        offer = make_offer(self.soudan, places=1)
        first, second = open_case(self.soudan), open_case(self.douryou, title="同僚のケース")
        placement_propose(case=first, offer=offer, by=self.soudan)
        with self.assertRaises(ValidationError) as refused:
            placement_propose(case=second, offer=offer, by=self.douryou)
        self.assertEqual(
            refused.exception.message_dict["offer"], [OFFER_FULL.format(places=1, taken=1)]
        )
        _, taken = taken_places_locked(offer)
        self.assertEqual(taken, 1)

    def test_an_ended_placement_frees_its_place(self) -> None:
        offer = make_offer(self.soudan, places=1)
        placement = placement_propose(case=open_case(self.soudan), offer=offer, by=self.soudan)
        placement_move(
            placement=placement,
            stage=PlacementStage.ENDED,
            on=timezone.localdate(),
            end_reason="person_wish",
            version=placement.version,
            by=self.soudan,
        )
        again = placement_propose(case=open_case(self.douryou), offer=offer, by=self.douryou)
        self.assertEqual(again.stage, PlacementStage.PROPOSED)

    def test_an_offer_of_another_prefecture_or_unshared_is_not_listed(self) -> None:
        make_offer(self.minato, title="みなと町だけのメニュー")
        case = open_case(self.soudan)
        self.login(self.soudan)
        page = self.client.get(f"/cases/{case.pk}/placements/new/")
        self.assertNotContains(page, "みなと町だけのメニュー")
        self.assertContains(page, "受付中の受入メニューが見つかりません。")


class StageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.placement = placement_propose(
            case=self.case, offer=make_offer(self.soudan), by=self.soudan
        )
        self.login(self.soudan)

    def move(self, **data: object) -> object:
        self.placement.refresh_from_db()
        body = {"on": timezone.localdate().isoformat(), "version": self.placement.version}
        return self.client.post(f"/placements/{self.placement.pk}/stage/", body | data)

    def test_the_stages_go_forward_with_the_accompanying_dispatch_and_end_with_a_reason(
        self,
    ) -> None:
        supporter = register(self.soudan, user=None)
        accompany = dispatch(self.soudan, supporter, self.case, kind="accompany")
        self.assertRedirects(self.move(stage="tour"), f"/placements/{self.placement.pk}/")
        self.move(stage="first_visit", dispatch=accompany.pk)
        self.placement.refresh_from_db()
        self.assertEqual(self.placement.accompanying_dispatch, accompany)
        self.assertEqual(self.placement.started_on, timezone.localdate())
        page = self.client.get(f"/placements/{self.placement.pk}/")
        self.assertContains(page, "初回（同行）")
        self.assertContains(page, f'href="/dispatches/{accompany.pk}/"')
        self.move(stage="continuing")
        refused = self.move(stage="ended")
        self.assertContains(refused, "終了の理由を選んでください。")
        self.placement.refresh_from_db()
        self.assertEqual(self.placement.stage, PlacementStage.CONTINUING)
        self.move(stage="ended", end_reason="employed", end_note="週3日のパートに")
        self.placement.refresh_from_db()
        self.assertEqual((self.placement.stage, self.placement.end_reason), ("ended", "employed"))
        self.assertContains(self.client.get(f"/cases/{self.case.pk}/"), "終了（就職）")

    def test_a_stage_cannot_go_back(self) -> None:
        self.move(stage="continuing")
        response = self.move(stage="tour")
        self.assertContains(response, "次の段階は一覧にあるものから選んでください。")
        self.placement.refresh_from_db()
        self.assertEqual(self.placement.stage, PlacementStage.CONTINUING)

    def test_a_stale_form_is_refused(self) -> None:
        version = self.placement.version
        self.move(stage="tour")
        response = self.client.post(
            f"/placements/{self.placement.pk}/stage/",
            {"stage": "continuing", "on": timezone.localdate().isoformat(), "version": version},
        )
        self.assertContains(response, "ほかの人が先にこの参加を更新しました。")

    def test_a_dispatch_of_another_case_is_refused(self) -> None:
        supporter = register(self.soudan, user=None)
        elsewhere = dispatch(self.soudan, supporter, open_case(self.soudan, title="別のケース"))
        response = self.move(stage="first_visit", dispatch=elsewhere.pk)
        self.assertContains(response, "初回に同行した派遣は一覧にあるものから選んでください。")

    def test_contacts_with_the_person_and_the_host_with_the_hosts_feedback(self) -> None:
        url = f"/placements/{self.placement.pk}/contacts/"
        today = timezone.localdate().isoformat()
        self.client.post(
            url, {"contacted_on": today, "with_whom": "person", "notes": "疲れたが楽しかった"}
        )
        self.client.post(
            url,
            {
                "contacted_on": today,
                "with_whom": "host",
                "notes": "担当者に電話",
                "host_feedback": "丁寧に作業してくれて助かっています",
            },
        )
        refused = self.client.post(
            url,
            {"contacted_on": today, "with_whom": "person", "notes": "x", "host_feedback": "y"},
        )
        self.assertContains(refused, "受入先からの声は、相手を「受入先」にして記録してください。")
        self.assertEqual(PlacementContact.objects.filter(placement=self.placement).count(), 2)
        page = self.client.get(f"/placements/{self.placement.pk}/")
        self.assertContains(page, "疲れたが楽しかった")
        self.assertContains(page, "丁寧に作業してくれて助かっています")

    def test_a_contact_in_the_future_is_refused(self) -> None:
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(
            f"/placements/{self.placement.pk}/contacts/",
            {"contacted_on": tomorrow, "with_whom": "person", "notes": "予定"},
        )
        self.assertContains(response, "未来の日付の経過は記録できません。")


class PlacementAccessTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.placement = placement_propose(
            case=self.case, offer=make_offer(self.soudan), by=self.soudan, proposed_on=days_ago(3)
        )

    def test_another_offices_worker_gets_404(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(f"/placements/{self.placement.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/cases/{self.case.pk}/placements/new/").status_code, 404)
        response = self.client.post(f"/placements/{self.placement.pk}/stage/", {"stage": "tour"})
        self.assertEqual(response.status_code, 404)

    def test_the_statistics_clerk_gets_403(self) -> None:
        self.login(self.toukei)
        self.assertEqual(self.client.get(f"/placements/{self.placement.pk}/").status_code, 403)

    def test_a_colleague_of_the_same_office_reads_it(self) -> None:
        self.login(self.douryou)
        self.assertContains(self.client.get(f"/placements/{self.placement.pk}/"), "野菜の袋詰め")
