"""The search result one page at a time: fifty hits a page, the audit row of the page only,
the same queries and the same response size however many persons match."""

from typing import Any

from audit.models import AuditEvent
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase, audit_lock_queries


class PersonSearchPagingTests(BaseTestCase):
    def make_takahashi(self, count: int) -> None:
        # Names of one length, so that the response size only changes with the rows shown.
        for number in range(count):
            make_person(self.window, "高橋", f"太郎{number:03d}", "タカハシ", "タロウ")

    def search(self, **params: str) -> Any:
        return self.client.get("/persons/", {"q": "高橋", **params})

    def test_fifty_hits_a_page_with_the_count_and_the_query_kept(self) -> None:
        self.make_takahashi(52)
        self.login(self.soudan)
        first = self.search()
        self.assertContains(first, "「高橋」の検索結果: 52 件")
        self.assertContains(first, "全52件中 1〜50件")
        self.assertEqual(len(first.context["hits"]), 50)
        self.assertContains(first, "?q=%E9%AB%98%E6%A9%8B&amp;page=2")
        second = self.search(page="2")
        self.assertContains(second, "全52件中 51〜52件")
        self.assertEqual(len(second.context["hits"]), 2)
        first_ids = {hit.person.pk for hit in first.context["hits"]}
        self.assertFalse(first_ids & {hit.person.pk for hit in second.context["hits"]})

    def test_the_audit_row_names_only_the_persons_of_the_page(self) -> None:
        self.make_takahashi(52)
        self.login(self.soudan)
        response = self.search(page="2")
        row = AuditEvent.objects.filter(object_type="people.person", action="read").latest("id")
        self.assertEqual(row.detail["ids"], [hit.person.pk for hit in response.context["hits"]])

    def test_a_bad_page_falls_back_and_a_page_beyond_the_last_says_so(self) -> None:
        self.make_takahashi(3)
        self.login(self.soudan)
        for page in ("abc", "-1", "99999999999"):
            with self.subTest(page=page):
                self.assertContains(self.search(page=page), "全3件中 1〜3件")
        beyond = self.search(page="7")
        self.assertContains(beyond, "このページには記録がありません。")
        self.assertNotContains(beyond, "見つかりませんでした。")

    def test_the_same_queries_at_one_and_sixty_hits_and_no_larger_beyond_the_page(self) -> None:
        self.make_takahashi(1)
        self.login(self.soudan)
        self.client.get("/persons/")  # warm the session
        # session, user with organisation, roles, team membership inside the search's
        # candidates, persons shown, audit row (savepoint, lock on PostgreSQL, last row, insert,
        # release), session save (savepoint, update, release)
        with self.assertNumQueries(12 + audit_lock_queries()):
            self.search()
        self.make_takahashi(59)
        with self.assertNumQueries(12 + audit_lock_queries()):
            sixty = self.search()
        self.assertEqual(len(sixty.context["hits"]), 50)
        self.make_takahashi(40)
        hundred = self.search()
        self.assertContains(hundred, "全100件中 1〜50件")
        # 40 more matching persons add a digit to the count, not a row.
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)
