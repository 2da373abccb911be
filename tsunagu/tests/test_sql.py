"""The SQL helpers: a date plus a number of days of the same row, and a page read ids first."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import Case, contact_due_on
from cases.tests.helpers import days_ago, open_case
from tsunagu.sql import ids_first
from tsunagu.test import BaseTestCase


class AddDaysTests(BaseTestCase):
    def test_the_due_date_is_the_last_contact_or_the_opening_plus_the_interval(self) -> None:
        fresh = open_case(self.soudan, opened_days_ago=10, contact_every_days=7)
        contacted = open_case(self.douryou, opened_days_ago=40, contact_every_days=30)
        Case.objects.filter(pk=contacted.pk).update(last_contact_on=days_ago(5))
        due = dict(Case.objects.annotate(due=contact_due_on()).values_list("pk", "due"))
        self.assertEqual(due[fresh.pk], days_ago(10) + timedelta(days=7))
        self.assertEqual(due[contacted.pk], days_ago(5) + timedelta(days=30))

    def test_it_crosses_a_month_and_a_year(self) -> None:
        case = open_case(self.soudan, opened_days_ago=400, contact_every_days=365)
        due = Case.objects.annotate(due=contact_due_on()).get(pk=case.pk).due  # type: ignore[attr-defined]
        self.assertEqual(due, days_ago(400) + timedelta(days=365))


class IdsFirstTests(BaseTestCase):
    def test_the_page_keeps_the_order_and_the_joins(self) -> None:
        cases = [open_case(self.soudan, title=f"ケース{n}", opened_days_ago=n) for n in (3, 1, 2)]
        queryset = Case.objects.select_related("person").order_by("opened_on", "id")
        with CaptureQueriesContext(connection) as queries:
            page = ids_first(queryset, limit=2)
            names = [case.person.family_name for case in page if case.person]
        self.assertEqual([case.pk for case in page], [cases[0].pk, cases[2].pk])
        self.assertEqual(names, ["高橋", "高橋"])
        self.assertEqual(len(queries), 1)

    def test_an_empty_page_costs_one_query(self) -> None:
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(ids_first(Case.objects.order_by("id"), limit=5, offset=100), [])
        self.assertEqual(len(queries), 1)
