"""The registry's pages show real values: the list (paged, filtered, sorted in SQL, the same
queries at one and sixty rows), the host and offer pages, and the forms' round trips."""

from django.urls import reverse

from cases.tests.helpers import open_case
from participation.models import Host, HostStatus, Offer, Placement
from participation.tests.helpers import host_data, make_host, make_offer, offer_data
from tsunagu.test import BaseTestCase


class HostListTests(BaseTestCase):
    def names(self, query: str = "") -> list[str]:
        response = self.client.get(f"{reverse('host_list')}?{query}")
        self.assertEqual(response.status_code, 200)
        return [host.name for host in response.context["hosts"]]

    def make_hosts(self, count: int, start: int = 0) -> None:
        Host.objects.bulk_create(
            Host(
                owner=self.window,
                created_by=self.soudan,
                name=f"受入先{number:03d}",
                kind="company",
                status=HostStatus.ACCEPTING,
            )
            for number in range(start, start + count)
        )

    def test_filters_and_sorts_in_the_database(self) -> None:
        centre = self.world.staff["centre"]
        make_host(centre, "みなと農園", kind="farm", shared_in_prefecture=True, address="みなと町")
        make_host(self.soudan, "ひなた堂", kind="shop", status="developing")
        make_host(centre, "県の内部メモ", shared_in_prefecture=False)
        self.login(self.soudan)
        self.assertEqual(self.names(), ["ひなた堂", "みなと農園"])
        self.assertEqual(self.names("kind=farm"), ["みなと農園"])
        self.assertEqual(self.names("status=developing"), ["ひなた堂"])
        self.assertEqual(self.names("whose=own"), ["ひなた堂"])
        self.assertEqual(self.names("whose=shared"), ["みなと農園"])
        self.assertEqual(self.names("q=みなと"), ["みなと農園"])
        # 企業, 社会福祉法人, 農業, 個人商店 …: the order of the choices.
        self.assertEqual(self.names("sort=kind"), ["みなと農園", "ひなた堂"])
        self.assertEqual(self.names("sort=-kind"), ["ひなた堂", "みなと農園"])
        response = self.client.get(reverse("host_list") + "?kind=password")
        self.assertContains(response, "全2件中 1〜2件")
        self.assertContains(response, "県内で共有")

    def test_the_same_queries_at_one_and_sixty_rows(self) -> None:
        self.make_hosts(1)
        self.login(self.soudan)
        self.names()  # warm the session
        # session, user with organisation, roles, the page, the count, session save (savepoint,
        # update, release)
        with self.assertNumQueries(8):
            self.names()
        self.make_hosts(59, start=1)
        with self.assertNumQueries(8):
            self.assertEqual(len(self.names()), 50)
        self.assertContains(self.client.get(reverse("host_list") + "?page=2"), "全60件中 51〜60件")


class HostPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.centre = cls.world.staff["centre"]

    def test_registering_a_host_fills_the_address_from_the_postal_code(self) -> None:
        self.login(self.soudan)
        data = host_data("まちの本屋 ひなた堂", kind="shop", postal_code="100-0001", address="")
        data.pop("shared_in_prefecture")
        response = self.client.post(reverse("host_new"), data, follow=True)
        host = Host.objects.get()
        self.assertEqual(
            (host.owner, host.postal_code, host.address, host.shared_in_prefecture),
            (self.window, "1000001", "東京都千代田区千代田", False),
        )
        self.assertContains(response, "まちの本屋 ひなた堂を受入先に登録しました。")
        self.assertContains(response, "〒100-0001 東京都千代田区千代田")
        self.assertContains(response, "つなぐ市 ひきこもり相談窓口（共有していません）")

    def test_the_owner_records_a_visit_a_tour_and_an_offer_and_the_page_shows_them(self) -> None:
        host = make_host(self.centre, "あおばの里", shared_in_prefecture=True)
        self.login(self.centre)
        response = self.client.post(
            reverse("visit_new", args=[host.pk]),
            {
                "visited_on": "2025-05-01",
                "notes": "洗濯物たたみを切り出せそう",
                "next_step": "作業を書き出す",
                "next_step_on": "2025-05-15",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.client.post(
            reverse("tour_new", args=[host.pk]),
            {"held_on": "2025-06-01", "notes": "窓口向け", "attendees": [self.minato.pk]},
        )
        data = {k: v for k, v in offer_data("リネンたたみ").items() if v is not False}
        response = self.client.post(reverse("offer_new", args=[host.pk]), data)
        offer = Offer.objects.get()
        self.assertRedirects(response, reverse("offer_detail", args=[offer.pk]))
        page = self.client.get(reverse("host_detail", args=[host.pk]))
        for shown in (
            "令和7年5月1日",
            "洗濯物たたみを切り出せそう",
            "作業を書き出す（令和7年5月15日）",
            "港 一（みなと町 ひきこもり相談窓口）",
            "リネンたたみ",
            "空き2人／定員2人",
            "受入先を編集",
        ):
            self.assertContains(page, shown)

    def test_the_offer_page_shows_its_conditions_and_the_places_free(self) -> None:
        host = make_host(self.centre, "あおばの里", shared_in_prefecture=True)
        offer = make_offer(self.centre, host, places=3, paid=True, reward="1時間500円")
        Placement.objects.create(case=open_case(self.soudan), offer=offer, created_by=self.soudan)
        self.login(self.minato)
        response = self.client.get(reverse("offer_detail", args=[offer.pk]))
        for shown in (
            "空き2人／定員3人",
            "火・木 10:00〜11:00（火・木）",
            "60分から",
            "タオルをたたんで棚に戻す",
            "あり（1時間500円）",
            "（最寄り: 青葉町バス停）",
        ):
            self.assertContains(response, shown)
        self.assertContains(response, '<span class="badge record-ok">あり</span> 静かな部屋がある')
        self.assertContains(response, '<span class="badge">なし</span> 電話の仕事がない')
        self.assertNotContains(response, reverse("offer_edit", args=[offer.pk]))

    def test_a_stale_host_edit_is_refused(self) -> None:
        host = make_host(self.soudan, "ひなた堂")
        self.login(self.soudan)
        url = reverse("host_edit", args=[host.pk])
        data = host_data("ひなた堂 本店")
        data.pop("shared_in_prefecture")
        self.assertEqual(self.client.post(url, {**data, "version": 1}).status_code, 302)
        response = self.client.post(url, {**data, "name": "ひなた堂 支店", "version": 1})
        self.assertContains(response, "ほかの人が先にこの受入先を更新しました。")
        self.assertEqual(Host.objects.get().name, "ひなた堂 本店")
