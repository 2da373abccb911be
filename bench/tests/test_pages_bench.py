"""The case generator and the page benchmark at a tiny N, on the test database."""

from datetime import date

from django.utils import timezone

from audit.services import verify_chain
from bench.generate_cases import CasePlanner, generate
from bench.pages import MISSING, PAGES, Figure, Page, measure, problems, table, wide_table
from cases.models import Activity, Case
from collaboration.models import Meeting
from consultations.models import Consultation
from people.models import Person
from tsunagu.test import BaseTestCase

TODAY = date(2026, 12, 1)


def plan_shape(seed: int) -> list[tuple[str, str, date, int]]:
    planner = CasePlanner(seed, today=TODAY, agencies=5)
    return [
        (plan.household.members[0].family_name, plan.stage, plan.opened_on, len(plan.activities))
        for plan in planner.plans(20)
    ]


class CaseGeneratorTests(BaseTestCase):
    def test_a_seed_gives_the_same_cases(self) -> None:
        self.assertEqual(plan_shape(5), plan_shape(5))
        self.assertNotEqual(plan_shape(5), plan_shape(6))

    def test_each_case_is_in_the_window_with_its_person_consultation_and_audit_rows(self) -> None:
        result = generate(cases=6, seed=3, world=self.world, batch_size=4)
        self.assertEqual(result.cases, 6)
        cases = Case.objects.filter(pk__in=result.case_ids)
        self.assertEqual({case.organisation_id for case in cases}, {self.window.pk})
        for case in cases.select_related("person"):
            assert case.person is not None
            self.assertEqual(case.person.organisation_id, self.window.pk)
            self.assertTrue(case.title.endswith("の支援"))
            self.assertIn(case.lead_worker, case.team.all())
        # The intake of each case, and for the first (the record pages' case) a call today.
        consultations = Consultation.objects.filter(case__in=cases)
        self.assertEqual(consultations.count(), 7)
        first = consultations.filter(case_id=result.case_ids[0])
        self.assertEqual(first.count(), 2)
        self.assertEqual(timezone.localtime(first[0].received_at).date(), timezone.localdate())
        self.assertEqual(cases.get(pk=result.case_ids[0]).lead_worker, self.soudan)
        # The search keys are those Person.save would compute.
        named = Person.objects.filter(cases__in=cases).exclude(family_name="").first()
        assert named is not None
        stored = [getattr(named, column) for column in Person.KEY_COLUMNS]
        named.refresh_keys()
        self.assertEqual(stored, [getattr(named, column) for column in Person.KEY_COLUMNS])
        self.assertEqual(Activity.objects.filter(case__in=cases).count(), result.activities)
        self.assertEqual(self.audit_rows(object_type="cases.case", action="create").__len__(), 6)
        # A case conference per batch here (batches of 4: 4 + 2 cases on the agendas).
        meetings = Meeting.objects.filter(organisation=self.window).order_by("id")
        self.assertEqual([meeting.agenda.count() for meeting in meetings], [4, 2])
        self.assertEqual(list(verify_chain()), [])


class PagesBenchTests(BaseTestCase):
    def test_every_page_answers_at_two_sizes(self) -> None:
        figures: list[Figure] = []
        for _ in range(2):
            generate(cases=3, seed=len(figures), world=self.world)
            figures += measure(runs=1, warmup=0)
        self.assertEqual([f.cases for f in figures], [3] * len(PAGES) + [6] * len(PAGES))
        for figure in figures:
            if not figure.missing:
                self.assertEqual(figure.status, 200, figure.label)
                self.assertGreater(figure.queries, 0, figure.label)
                self.assertGreater(figure.kb, 0, figure.label)
        printed = table(figures)
        self.assertIn("ケース一覧（機関）", printed)
        self.assertIn("6", printed)
        wide = wide_table(figures, markdown=True).splitlines()
        self.assertEqual(len(wide), 2 + len(PAGES))
        self.assertIn("| 6 件: ms / クエリ / KB |", wide[0])
        # The record pages show a case of the same shape at both sizes (the showcase case).
        record_pages = [f.queries for f in figures if f.label in ("本人", "ケース")]
        self.assertEqual(record_pages[:2], record_pages[2:])

    def test_a_page_that_does_not_exist_is_none(self) -> None:
        generate(cases=1, seed=1, world=self.world)
        (figure,) = measure([Page("まだない一覧", "soudan", "/no-such-list/")], runs=1, warmup=0)
        self.assertTrue(figure.missing)
        self.assertIn(MISSING, table([figure]))
        self.assertEqual(problems([figure]), [])

    def test_check_names_slow_large_and_varying_pages(self) -> None:
        figures = [
            Figure("一覧", 10, 200, median_ms=150.0, queries=5, kb=10.0),
            Figure("一覧", 10_000, 200, median_ms=20.0, queries=7, kb=300.0),
            Figure("ケース", 10, 200, median_ms=150.0, queries=5, kb=10.0),
            Figure("ケース", 10_000, 403, median_ms=20.0, queries=5, kb=10.0),
        ]
        self.assertEqual(
            problems(figures),
            [
                "一覧 (N=10,000): 300.0 KB > 200 KB",
                "一覧: queries differ (N=10: 5, N=10,000: 7)",
                "ケース (N=10,000): HTTP 403",
            ],
        )
