"""The agency directory one page at a time: paging, sorting in table C order, filters in SQL,
the same queries and response size however many agencies there are."""

from typing import Any

from accounts.models import LocalGovernment
from collaboration.models import Agency, AgencyCategory
from tsunagu.test import BaseTestCase


class AgencyListPagingTests(BaseTestCase):
    def setUp(self) -> None:
        self.city = LocalGovernment.objects.get(name="つなぐ市")

    def make_agencies(self, count: int, start: int = 0) -> None:
        # Names of one length, so that the response size only changes with the rows shown.
        Agency.objects.bulk_create(
            Agency(
                local_government=self.city,
                name=f"相談機関{number:03d}",
                category=AgencyCategory.HELLO_WORK,
            )
            for number in range(start, start + count)
        )

    def shown(self, query: str = "") -> Any:
        return self.client.get(f"/agencies/?{query}")

    def names(self, query: str = "") -> list[str]:
        return [agency.name for agency in self.shown(query).context["agencies"]]

    def test_fifty_a_page_with_the_count(self) -> None:
        self.make_agencies(52)
        self.login(self.soudan)
        first = self.shown()
        self.assertContains(first, "全52件中 1〜50件")
        self.assertEqual(len(first.context["agencies"]), 50)
        self.assertEqual(self.names("page=2"), ["相談機関050", "相談機関051"])

    def test_the_categories_sort_in_the_order_of_table_c_and_by_name_both_ways(self) -> None:
        for name, category in (
            ("あおば社協", AgencyCategory.SOCIAL_WELFARE_COUNCIL),
            ("いろは福祉事務所", AgencyCategory.WELFARE_OFFICE),
            ("うみべハローワーク", AgencyCategory.HELLO_WORK),
        ):
            Agency.objects.create(local_government=self.city, name=name, category=category)
        self.login(self.soudan)
        # 福祉事務所, then 社会福祉協議会 (table C), though the codes sort the other way.
        self.assertEqual(self.names()[:2], ["いろは福祉事務所", "あおば社協"])
        by_name = ["あおば社協", "いろは福祉事務所", "うみべハローワーク"]
        self.assertEqual(self.names("sort=name"), by_name)
        self.assertEqual(self.names("sort=-name")[0], "うみべハローワーク")
        response = self.shown("sort=name&category=hello_work")
        self.assertContains(response, 'aria-sort="ascending"')
        self.assertContains(response, "?sort=-name&amp;category=hello_work")

    def test_filters_in_sql_and_a_bad_value_shown_and_not_applied(self) -> None:
        Agency.objects.create(
            local_government=self.city,
            name="ハローワークつなぐ",
            category=AgencyCategory.HELLO_WORK,
        )
        Agency.objects.create(
            local_government=self.city,
            name="つなぐ市社会福祉協議会",
            category=AgencyCategory.SOCIAL_WELFARE_COUNCIL,
        )
        self.login(self.soudan)
        self.assertEqual(self.names("q=ハローワーク"), ["ハローワークつなぐ"])
        self.assertEqual(self.names("category=social_welfare_council"), ["つなぐ市社会福祉協議会"])
        self.assertContains(self.shown("q=保健所"), "条件に合う機関はありません。")
        response = self.shown("category=password&q=つなぐ")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "種別は一覧にあるものから選んでください。")
        self.assertContains(response, "全2件中 1〜2件")
        for query in ("page=abc", "sort=password", "q=%00", "q=" + "あ" * 101):
            with self.subTest(query=query[:20]):
                self.assertContains(self.shown(query), "全2件中 1〜2件")

    def test_the_same_queries_at_one_and_sixty_and_no_larger_beyond_the_page(self) -> None:
        self.make_agencies(1)
        self.login(self.soudan)
        self.shown()  # warm the session
        # session, user with organisation, roles, the page, the count, session save
        # (savepoint, update, release)
        with self.assertNumQueries(8):
            self.shown()
        self.make_agencies(59, start=1)
        with self.assertNumQueries(8):
            sixty = self.shown()
        self.assertEqual(len(sixty.context["agencies"]), 50)
        self.make_agencies(40, start=60)
        hundred = self.shown()
        self.assertContains(hundred, "全100件中 1〜50件")
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)
