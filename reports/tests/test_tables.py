"""Every cell of tables A, B and C computed from a known data set (reports/tests/data.py)."""

from reports.columns import AGENCY_COLUMNS
from reports.scope import find_scope
from reports.services import tables_for
from reports.tests.data import FY, WINDOW_A, WINDOW_B, WINDOW_C_NONZERO, build_known_data
from tsunagu.test import BaseTestCase


def window_c() -> dict[str, int]:
    cells = {column: WINDOW_C_NONZERO.get(column, 0) for column in AGENCY_COLUMNS}
    return {**cells, "合計": 3}


class TablesTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.data = build_known_data(cls.world)

    def tables(self, kind: str, key: str | int, year: int = FY):  # type: ignore[no-untyped-def]
        return tables_for(find_scope(kind, key), [year])[year]

    def test_the_window_tables_match_every_hand_counted_cell(self) -> None:
        tables = self.tables("organisation", self.window.pk).total

        self.assertEqual(tables.label, "平成29年度")
        self.assertEqual(tables["a"].with_total(), WINDOW_A)
        self.assertEqual(tables["b"].with_total(), WINDOW_B)
        self.assertEqual(tables["c"].with_total(), window_c())
        self.assertEqual(str(tables["c"].shares()["ハローワーク"]), "66.7")
        self.assertEqual(str(tables["c"].shares()["医療機関"]), "33.3")
        self.assertEqual(str(tables["c"].shares()["合計"]), "100.0")

    def test_the_municipality_adds_its_other_offices(self) -> None:
        code = self.window.local_government.code
        tables = self.tables("municipality", code).total

        self.assertEqual(tables["a"].with_total(), {**WINDOW_A, "30代": 2, "合計": 11})
        self.assertEqual(tables["b"].with_total(), {**WINDOW_B, "電話": 4, "合計": 16})
        self.assertEqual(tables["c"].with_total(), window_c())

    def test_the_prefecture_is_the_sum_of_its_municipalities(self) -> None:
        code = self.window.local_government.prefecture.code
        result = self.tables("prefecture", code)

        self.assertEqual(
            result.total["a"].with_total(), {**WINDOW_A, "30代": 2, "年齢不明": 4, "合計": 12}
        )
        self.assertEqual(
            result.total["b"].with_total(), {**WINDOW_B, "電話": 4, "メール": 5, "合計": 17}
        )
        parts = {name: tables["a"].total for name, tables in result.parts}
        self.assertEqual(parts, {"つなぐ県（県の機関）": 0, "つなぐ市": 11, "みなと町": 1})

    def test_the_next_year_counts_what_fell_after_31_march(self) -> None:
        tables = self.tables("organisation", self.window.pk, 2018).total

        self.assertEqual(tables.label, "平成30年度")
        self.assertEqual(tables["a"].with_total()["合計"], 1)
        self.assertEqual(
            tables["b"].with_total(), {"電話": 1, "メール": 0, "来所": 0, "訪問等": 0, "合計": 1}
        )
        self.assertEqual(tables["c"].with_total()["学校・教育委員会等"], 1)

    def test_a_year_without_records_is_a_table_of_zeros(self) -> None:
        tables = self.tables("organisation", self.window.pk, 2010).total

        self.assertEqual(set(tables["a"].with_total().values()), {0})
        self.assertEqual(set(tables["b"].with_total().values()), {0})
        self.assertEqual(set(tables["c"].with_total().values()), {0})
        self.assertEqual(str(tables["c"].shares()["合計"]), "0.0")

    def test_2019_is_labelled_reiwa_gannendo(self) -> None:
        self.assertEqual(
            self.tables("organisation", self.window.pk, 2019).total.label, "令和元年度"
        )

    def test_a_new_record_of_the_year_invalidates_the_cached_tables(self) -> None:
        from reports.tests.data import at

        self.tables("organisation", self.window.pk)
        from consultations.models import Consultation

        first = self.data.consultations[0]
        Consultation.objects.create(
            organisation=self.window,
            received_at=at(2017, 9, 9),
            channel="phone",
            consulter_type="person",
            person=first.person,
            categories=[],
            main_concern="other",
            disposition="information",
            taken_by=self.soudan,
        )
        tables = self.tables("organisation", self.window.pk).total
        self.assertEqual(tables["b"].with_total()["電話"], 4)
        self.assertEqual(tables["a"].with_total()["合計"], 10)
