"""The household list one page at a time: paging, sorting, filters in SQL, the audit row of the
page only, the same queries and response size however many households there are."""

from typing import Any

from audit.models import AuditEvent
from people.models import Household
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.test import BaseTestCase, audit_lock_queries


class HouseholdListPagingTests(BaseTestCase):
    def make_households(self, count: int, start: int = 0) -> list[Household]:
        # Labels of one length, so that the response size only changes with the rows shown.
        return [
            make_household(self.window, f"世帯{number:03d}", address="東京都港町")
            for number in range(start, start + count)
        ]

    def shown(self, query: str = "") -> Any:
        return self.client.get(f"/households/?{query}")

    def test_fifty_a_page_with_the_count(self) -> None:
        self.make_households(52)
        self.login(self.soudan)
        first = self.shown()
        self.assertContains(first, "全52件中 1〜50件")
        self.assertEqual(len(first.context["households"]), 50)
        second = self.shown("page=2")
        self.assertContains(second, "全52件中 51〜52件")
        self.assertEqual([h.label for h in second.context["households"]], ["世帯050", "世帯051"])

    def test_the_audit_row_names_only_the_households_of_the_page(self) -> None:
        self.make_households(52)
        self.login(self.soudan)
        response = self.shown("page=2")
        row = AuditEvent.objects.filter(object_type="people.household", action="read").latest("id")
        self.assertEqual(row.detail["ids"], [h.pk for h in response.context["households"]])

    def test_sort_by_members_both_ways_and_filters_kept(self) -> None:
        small, large = (
            make_household(self.window, "山田さん世帯"),
            make_household(self.window, "佐藤さん世帯"),
        )
        add_member(large, make_person(self.window, "佐藤", "一郎"), "head")
        add_member(large, make_person(self.window, "佐藤", "二郎"), "child")
        add_member(small, make_person(self.window, "山田", "花子"), "head")
        self.login(self.soudan)
        ascending = self.shown("sort=members&label=さん")
        self.assertEqual([h.pk for h in ascending.context["households"]], [small.pk, large.pk])
        self.assertContains(ascending, 'aria-sort="ascending"')
        self.assertContains(ascending, "?sort=-members&amp;label=%E3%81%95%E3%82%93")
        descending = self.shown("sort=-members")
        self.assertEqual([h.pk for h in descending.context["households"]], [large.pk, small.pk])

    def test_filters_in_sql_and_a_bad_value_shown_and_not_applied(self) -> None:
        make_household(self.window, "高橋さん世帯", address="港町1丁目")
        make_household(self.window, "鈴木さん世帯", address="山町2丁目")
        self.login(self.soudan)

        def labels(query: str) -> set[str]:
            return {h.label for h in self.shown(query).context["households"]}

        self.assertEqual(labels("label=高橋"), {"高橋さん世帯"})
        self.assertEqual(labels("address=山町"), {"鈴木さん世帯"})
        self.assertEqual(labels("label=田中"), set())
        self.assertContains(self.shown("label=田中"), "条件に合う世帯はありません。")
        response = self.shown("label=" + "あ" * 101 + "&address=山町")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "この条件は使わずに表示しています")
        self.assertEqual({h.label for h in response.context["households"]}, {"鈴木さん世帯"})
        for query in ("page=abc", "sort=password", "label=%00"):
            with self.subTest(query=query):
                self.assertContains(self.shown(query), "全2件中 1〜2件")

    def test_another_municipality_sees_none_of_them(self) -> None:
        self.make_households(3)
        self.login(self.minato)
        self.assertContains(self.shown(), "該当する記録はありません（全0件）")

    def test_the_same_queries_at_one_and_sixty_and_no_larger_beyond_the_page(self) -> None:
        self.make_households(1)
        self.login(self.soudan)
        self.shown()  # warm the session
        # session, user with organisation, roles, the page, audit row (savepoint, lock on
        # PostgreSQL, last row, insert, release), the count, session save (savepoint, update,
        # release)
        with self.assertNumQueries(12 + audit_lock_queries()):
            self.shown()
        self.make_households(59, start=1)
        with self.assertNumQueries(12 + audit_lock_queries()):
            sixty = self.shown()
        self.assertEqual(len(sixty.context["households"]), 50)
        self.make_households(40, start=60)
        hundred = self.shown()
        self.assertContains(hundred, "全100件中 1〜50件")
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)
