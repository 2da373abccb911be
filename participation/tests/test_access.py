"""Who sees and edits the host registry, by persona: the owner's staff, the prefecture's windows
when shared, nobody else (404); a municipality's worker may suggest, not edit (403)."""

from django.urls import reverse

from audit.models import AuditEvent
from participation.models import Host, HostSuggestion
from participation.tests.helpers import (
    host_data,
    make_host,
    make_offer,
    other_prefecture_worker,
)
from tsunagu.test import BaseTestCase


class HostVisibilityTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.centre = cls.world.staff["centre"]
        # The prefecture's centre develops and shares; the city's window keeps a local host.
        cls.shared = make_host(cls.centre, "あおばの里", shared_in_prefecture=True)
        cls.offer = make_offer(cls.centre, cls.shared)
        cls.local = make_host(cls.soudan, "まちの本屋 ひなた堂", kind="shop")
        cls.elsewhere_worker = other_prefecture_worker()
        cls.elsewhere = make_host(cls.elsewhere_worker, "やまなみ農園", shared_in_prefecture=True)

    def listed(self) -> list[str]:
        response = self.client.get(reverse("host_list"))
        self.assertEqual(response.status_code, 200)
        return [host.name for host in response.context["hosts"]]

    def test_each_window_lists_its_own_and_the_prefectures_shared_hosts(self) -> None:
        expected = {
            self.soudan: ["あおばの里", "まちの本屋 ひなた堂"],
            self.minato: ["あおばの里"],
            self.centre: ["あおばの里"],
            self.elsewhere_worker: ["やまなみ農園"],
        }
        for user, names in expected.items():
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.listed(), names)

    def test_a_shared_host_opens_for_a_window_of_the_same_prefecture(self) -> None:
        self.login(self.minato)
        response = self.client.get(reverse("host_detail", args=[self.shared.pk]))
        self.assertContains(response, "あおばの里")
        self.assertContains(response, "つなぐ県ひきこもり地域支援センター（県内の窓口と共有）")
        self.assertContains(response, "リネンたたみ")
        self.assertContains(response, "変更を提案")
        self.assertNotContains(response, reverse("host_edit", args=[self.shared.pk]))
        self.assertContains(
            response, "この受入先を編集できるのはつなぐ県ひきこもり地域支援センターの職員です。"
        )
        offer = self.client.get(reverse("offer_detail", args=[self.offer.pk]))
        self.assertContains(offer, "空き2人／定員2人")

    def test_an_unshared_host_of_another_organisation_is_404(self) -> None:
        self.login(self.minato)
        response = self.client.get(reverse("host_detail", args=[self.local.pk]))
        self.assertEqual(response.status_code, 404)
        self.assertTrue(
            AuditEvent.objects.filter(
                action=AuditEvent.Action.DENIED, object_id=str(self.local.pk)
            ).exists()
        )

    def test_another_prefectures_host_is_404_even_when_shared(self) -> None:
        self.login(self.soudan)
        for name in ("host_detail", "host_edit", "suggestion_new", "offer_new"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name, args=[self.elsewhere.pk]))
                self.assertEqual(response.status_code, 404)

    def test_a_municipal_worker_may_not_edit_the_prefectures_host(self) -> None:
        self.login(self.soudan)
        for name in ("host_edit", "visit_new", "tour_new", "offer_new"):
            with self.subTest(name=name):
                response = self.client.get(reverse(name, args=[self.shared.pk]))
                self.assertContains(
                    response,
                    "この受入先を編集できるのは、開拓した機関（つなぐ県ひきこもり地域支援センター）の職員です。",
                    status_code=403,
                )
        response = self.client.post(
            reverse("host_edit", args=[self.shared.pk]),
            {**host_data("書き換え"), "version": 1},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Host.objects.get(pk=self.shared.pk).name, "あおばの里")
        response = self.client.get(reverse("offer_edit", args=[self.offer.pk]))
        self.assertEqual(response.status_code, 403)

    def test_the_statistics_clerk_may_not_read_the_registry(self) -> None:
        self.login(self.toukei)
        self.assertEqual(self.client.get(reverse("host_list")).status_code, 403)
        response = self.client.get(reverse("host_detail", args=[self.local.pk]))
        self.assertEqual(response.status_code, 403)


class SuggestionFlowTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.centre = cls.world.staff["centre"]
        cls.host = make_host(cls.centre, "あおばの里", shared_in_prefecture=True)

    def suggest(self, **changes: str) -> HostSuggestion:
        self.login(self.soudan)
        data = {**host_data("あおばの里"), **changes, "note": "電話番号が変わっていました"}
        data.pop("shared_in_prefecture")
        response = self.client.post(reverse("suggestion_new", args=[self.host.pk]), data)
        self.assertRedirects(response, reverse("host_detail", args=[self.host.pk]))
        return HostSuggestion.objects.get(host=self.host)

    def test_an_accepted_suggestion_changes_the_host_through_a_versioned_edit(self) -> None:
        suggestion = self.suggest(contact_phone="0000-99-8888")
        self.assertEqual(suggestion.changes, {"contact_phone": "0000-99-8888"})
        self.assertEqual(suggestion.suggested_by, self.soudan)
        mine = self.client.get(reverse("host_detail", args=[self.host.pk]))
        self.assertContains(mine, "提案中")

        self.login(self.centre)
        url = reverse("suggestion_decide", args=[self.host.pk, suggestion.pk])
        page = self.client.get(url)
        self.assertContains(page, "0000-12-3456")
        self.assertContains(page, "0000-99-8888")
        self.assertContains(page, "相談 花子（つなぐ市 ひきこもり相談窓口）")
        response = self.client.post(url, {"decision": "accept", "version": 1})
        self.assertRedirects(
            response, reverse("host_detail", args=[self.host.pk]) + "#host-suggestions"
        )
        host = Host.objects.get(pk=self.host.pk)
        self.assertEqual((host.contact_phone, host.version), ("0000-99-8888", 2))
        suggestion.refresh_from_db()
        self.assertEqual((suggestion.state, suggestion.decided_by), ("accepted", self.centre))
        update = AuditEvent.objects.filter(action=AuditEvent.Action.UPDATE).latest("id")
        self.assertEqual(update.detail.get("suggestion"), suggestion.pk)
        self.assertEqual(update.detail["fields"], ["contact_phone"])

    def test_a_decline_needs_a_reason_and_a_decided_suggestion_cannot_be_decided_again(
        self,
    ) -> None:
        suggestion = self.suggest(status="paused")
        self.login(self.centre)
        url = reverse("suggestion_decide", args=[self.host.pk, suggestion.pk])
        response = self.client.post(url, {"decision": "decline", "version": 1})
        self.assertContains(response, "見送る理由を入力してください。")
        response = self.client.post(
            url, {"decision": "decline", "decision_note": "先週再開しました", "version": 1}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Host.objects.get(pk=self.host.pk).status, "accepting")
        response = self.client.post(url, {"decision": "accept", "version": 1})
        self.assertContains(response, "この提案はすでに判断されています（見送り）。")

    def test_nothing_changed_is_refused_and_the_suggester_cannot_decide(self) -> None:
        self.login(self.soudan)
        data = {**host_data("あおばの里"), "note": ""}
        data.pop("shared_in_prefecture")
        response = self.client.post(reverse("suggestion_new", args=[self.host.pk]), data)
        self.assertContains(response, "今の内容と違う項目がありません。")
        suggestion = self.suggest(nearest_station="青葉町北バス停")
        response = self.client.post(
            reverse("suggestion_decide", args=[self.host.pk, suggestion.pk]),
            {"decision": "accept", "version": 1},
        )
        self.assertEqual(response.status_code, 403)

    def test_a_stale_accept_is_refused_and_shows_the_record_as_it_is_now(self) -> None:
        suggestion = self.suggest(contact_name="施設長 青山")
        self.login(self.centre)
        self.client.post(
            reverse("host_edit", args=[self.host.pk]),
            {**host_data("あおばの里", shared_in_prefecture="on", notes="更新"), "version": 1},
        )
        url = reverse("suggestion_decide", args=[self.host.pk, suggestion.pk])
        response = self.client.post(url, {"decision": "accept", "version": 1})
        self.assertContains(response, "ほかの人が先にこの受入先を更新しました。")
        self.assertEqual(Host.objects.get(pk=self.host.pk).contact_name, "施設長 青木")
        response = self.client.post(url, {"decision": "accept", "version": 2})
        self.assertEqual(Host.objects.get(pk=self.host.pk).contact_name, "施設長 青山")
