"""The case list one page at a time: paging, sorting, filters, bad parameters, the audit row."""

from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case, Stage
from cases.tests.test_case_pages import open_case
from tsunagu.test import BaseTestCase


class CaseListPagingTests(BaseTestCase):
    def make_cases(self, count: int) -> list[Case]:
        return [open_case(self.soudan) for _ in range(count)]

    def test_pages_of_fifty_with_the_count_users_see(self) -> None:
        self.make_cases(52)
        self.login(self.soudan)
        first = self.client.get("/cases/")
        self.assertContains(first, "全52件中 1〜50件")
        self.assertContains(first, 'aria-current="page"')
        self.assertEqual(len(first.context["cases"]), 50)
        second = self.client.get("/cases/?page=2")
        self.assertContains(second, "全52件中 51〜52件")
        self.assertEqual(len(second.context["cases"]), 2)

    def test_the_audit_row_names_only_the_ids_of_the_page(self) -> None:
        self.make_cases(52)
        self.login(self.soudan)
        response = self.client.get("/cases/?page=2")
        shown = [case.pk for case in response.context["cases"]]
        row = AuditEvent.objects.filter(object_type="cases.case", action="read").latest("id")
        self.assertEqual(row.detail["ids"], shown)

    def test_invalid_page_and_sort_fall_back(self) -> None:
        self.make_cases(3)
        self.login(self.soudan)
        for query in ("page=abc", "page=-1", "page=99999999999", "sort=password", "sort=--x"):
            response = self.client.get(f"/cases/?{query}")
            self.assertEqual(response.status_code, 200, query)
            self.assertContains(response, "全3件中 1〜3件")
        beyond = self.client.get("/cases/?page=7")
        self.assertContains(beyond, "このページには記録がありません。")

    def test_sort_by_last_contact_both_ways_and_filters_kept(self) -> None:
        today = timezone.localdate()
        old, recent = self.make_cases(2)
        Case.objects.filter(pk=old.pk).update(last_contact_on=today - timedelta(days=90))
        Case.objects.filter(pk=recent.pk).update(last_contact_on=today - timedelta(days=1))
        self.login(self.soudan)
        ascending = self.client.get("/cases/?sort=last_contact&stage=open")
        self.assertEqual([c.pk for c in ascending.context["cases"]], [old.pk, recent.pk])
        self.assertContains(ascending, 'aria-sort="ascending"')
        # The header now reverses the order and keeps the stage filter.
        self.assertContains(ascending, "?sort=-last_contact&amp;stage=open")
        descending = self.client.get("/cases/?sort=-last_contact")
        self.assertEqual([c.pk for c in descending.context["cases"]], [recent.pk, old.pk])

    def test_filters_in_sql(self) -> None:
        today = timezone.localdate()
        quiet, met, other_stage = self.make_cases(3)
        Case.objects.filter(pk=quiet.pk).update(last_contact_on=today - timedelta(days=60))
        Case.objects.filter(pk=met.pk).update(first_met_on=today, last_contact_on=today)
        Case.objects.filter(pk=other_stage.pk).update(stage=Stage.CLOSED, last_contact_on=today)
        self.login(self.soudan)

        def shown(query: str) -> set[int]:
            return {c.pk for c in self.client.get(f"/cases/?{query}").context["cases"]}

        self.assertEqual(shown("no_contact_days=30"), {quiet.pk})
        self.assertEqual(shown("unmet=on&stage=open"), {quiet.pk})
        self.assertEqual(shown(f"stage={Stage.CLOSED}"), {other_stage.pk})
        self.assertEqual(shown(f"lead={self.douryou.pk}"), set())
        response = self.client.get("/cases/?no_contact_days=abc")
        self.assertContains(response, "日数は半角の数字で入力してください。")
        self.assertContains(response, "全3件中")

    def test_another_municipality_sees_none_of_them(self) -> None:
        self.make_cases(3)
        self.login(self.minato)
        response = self.client.get("/cases/?scope=organisation")
        self.assertContains(response, "該当する記録はありません（全0件）")
