"""A table registered in a test alone shows in every output; the rules version guards the cache."""

import csv
import io
import json
import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

from django.core.management import call_command
from django.db.models import Count
from openpyxl import load_workbook
from pypdf import PdfReader

from consultations.models import Consultation
from consultations.signals import consultations_bulk_written
from reports import tables
from reports.aggregation import PerOrganisation, consultations_in_year
from reports.cache import current_versions
from reports.models import CachedTables
from reports.scope import find_scope
from reports.services import tables_for
from reports.tables import (
    LINES,
    REPORT_TABLES,
    TABLE_A,
    Chart,
    ReportTable,
    rules_version,
    tables_registered,
)
from reports.tests.data import FY, WINDOW_B, build_known_data
from tsunagu.test import BaseTestCase

IN_HOURS, OUT_OF_HOURS = "時間内", "時間外"


def intakes_by_hours(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    """The intakes of the year by organisation, within the office's hours or outside them."""
    result: PerOrganisation = defaultdict(Counter)
    rows = (
        consultations_in_year(org_ids, fiscal_year)
        .values_list("organisation_id", "is_out_of_hours")
        .annotate(n=Count("*"))
    )
    for org, out_of_hours, count in rows:
        result[org][OUT_OF_HOURS if out_of_hours else IN_HOURS] += count
    return result


# The window's FY2017 intakes (reports/tests/data.py): p6 at 18:00 and p7 at 23:30 are out of
# hours, the other eight are not. The city adds one intake of the self-reliance office in hours,
# the prefecture one of みなと町.
TABLE_D = ReportTable(
    key="d",
    label="表D",
    name="相談受付件数",
    breakdown="時間帯別",
    columns=(IN_HOURS, OUT_OF_HOURS),
    column_heading="時間帯",
    unit="件",
    json_key="consultations_by_hours",
    aggregate=intakes_by_hours,
    shows_shares=True,
    in_trend=True,
    chart=Chart("hours", LINES, "折れ線グラフ"),
)
WINDOW_D = {IN_HOURS: 8, OUT_OF_HOURS: 2, "合計": 10}


def with_table_d() -> AbstractContextManager[None]:
    return tables_registered((*REPORT_TABLES, TABLE_D))


class FourthTableTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_known_data(cls.world)

    def run_command(self, *args: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out"
            call_command("fy_report", *args, "--output", str(path), stderr=io.StringIO())
            return path.read_bytes()

    def window_command(self, fmt: str) -> bytes:
        return self.run_command(
            "--fiscal-year", str(FY), "--organisation", str(self.window.pk), "--format", fmt
        )

    def get(self, path: str = "/reports/", **params: object):  # type: ignore[no-untyped-def]
        self.client.force_login(self.soudan)
        return self.client.get(f"{path}?{urlencode({'year': FY, **params})}")

    def test_the_json_gains_the_table_s_key_after_the_others(self) -> None:
        with with_table_d():
            data = json.loads(self.window_command("json"))

        self.assertEqual(list(data)[-2:], ["referrals_by_agency_type", "consultations_by_hours"])
        self.assertEqual(data["consultations_by_hours"], WINDOW_D)
        self.assertEqual(data["consultations_by_method"], WINDOW_B)

    def test_the_page_shows_the_table_its_trend_and_its_chart_without_drill_down_links(
        self,
    ) -> None:
        with with_table_d():
            html = self.get().content.decode()
            chart = self.get("/reports/chart/hours.svg")
            drill = self.get("/reports/records/", table="d", column=IN_HOURS)

        self.assertIn('<table class="report-table" id="table-d">', html)
        self.assertIn("<h2>表D 相談受付件数（時間帯別）</h2>", html)
        self.assertIn("公式集計（表A・B・C・D）", html)
        self.assertIn('<td class="number">80.0%</td><td class="number">20.0%</td>', html)
        self.assertIn('<th scope="colgroup" colspan="3">相談受付件数</th>', html)
        self.assertIn("<figcaption>相談受付件数の推移（時間帯別）</figcaption>", html)
        self.assertIn("/reports/records/?", html)  # tables A to C still link to their records
        self.assertNotIn("table=d", html)  # table D has no drill-down
        self.assertIn(b"<svg", chart.content)
        self.assertEqual(drill.status_code, 404)

    def test_the_csv_has_the_table_after_the_others(self) -> None:
        with with_table_d():
            data = self.window_command("csv")

        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(
            rows[-5:],
            [
                [],
                ["表D 相談受付件数（時間帯別）"],
                ["時間帯 年度", IN_HOURS, OUT_OF_HOURS, "合計"],
                ["平成29年度", "8", "2", "10"],
                ["率", "80.0%", "20.0%", "100.0%"],
            ],
        )

    def test_the_xlsx_has_the_table_in_the_tables_and_trend_sheets(self) -> None:
        with with_table_d():
            book = load_workbook(io.BytesIO(self.window_command("xlsx")))

        self.assertEqual(book.sheetnames, ["表A・表B・表C・表D", "推移"])
        values = [list(r) for r in book["表A・表B・表C・表D"].iter_rows(values_only=True)]
        self.assertEqual(values[15][:4], ["表D 相談受付件数（時間帯別）", None, None, None])
        self.assertEqual(values[17][:4], ["平成29年度", 8, 2, 10])
        self.assertEqual(values[18][:4], ["率", 0.8, 0.2, 1.0])
        trend = [list(r) for r in book["推移"].iter_rows(values_only=True)]
        self.assertEqual(trend[0][0], "実相談人数、相談件数及び相談受付件数の推移")
        self.assertEqual(trend[-1][:4], ["平成29年度", 8, 2, 10])

    def test_the_prefecture_s_municipalities_have_the_table_s_total(self) -> None:
        code = self.window.local_government.prefecture.code
        with with_table_d():
            book = load_workbook(
                io.BytesIO(
                    self.run_command(
                        "--fiscal-year", str(FY), "--prefecture", code, "--format", "xlsx"
                    )
                )
            )

        rows = [list(r) for r in book["市区町村別"].iter_rows(values_only=True)]
        self.assertEqual(rows[3][-1], "相談受付件数")
        self.assertEqual([row[-1] for row in rows[4:]], [0, 11, 1, 12])

    def test_the_pdf_prints_the_table_year_by_year(self) -> None:
        with with_table_d():
            reader = PdfReader(io.BytesIO(self.window_command("pdf")))

        text = "".join(page.extract_text() for page in reader.pages)
        self.assertIn("表D 相談受付件数（時間帯別）", text)
        self.assertIn("平成29年度 8 2 10", text)

    def test_tables_cached_before_the_table_was_registered_are_counted_again(self) -> None:
        scope = find_scope("organisation", self.window.pk)
        tables_for(scope, [FY])  # cached with tables A to C only

        with with_table_d():
            result = tables_for(scope, [FY])[FY].total

        self.assertEqual(result["d"].with_total(), WINDOW_D)

    def test_two_tables_may_not_share_a_key(self) -> None:
        duplicate = (*REPORT_TABLES, replace(TABLE_D, key="a"))
        with (
            self.assertRaisesMessage(ValueError, "表のキーが重複しています"),
            tables_registered(duplicate),
        ):
            pass


class CountingRulesVersionTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.data = build_known_data(cls.world)

    def setUp(self) -> None:
        self.scope = find_scope("organisation", self.window.pk)

    def methods(self) -> dict[str, int]:
        return tables_for(self.scope, [FY])[FY].total["b"].with_total()

    def move_an_email_to_the_phone_without_signals(self) -> None:
        """A bulk update sends no signal: the year's stamp stays, the cache is not told."""
        email = next(c for c in self.data.consultations if c.channel == "email")
        Consultation.objects.filter(pk=email.pk).update(channel="phone")

    def test_the_version_names_the_shared_rules_and_every_table_s_rule(self) -> None:
        self.assertEqual(rules_version(), "1:a=1,b=1,c=1")

    def test_a_result_cached_under_rules_n_is_not_served_under_n_plus_1(self) -> None:
        self.assertEqual(self.methods(), WINDOW_B)  # computed and cached under version 1
        self.move_an_email_to_the_phone_without_signals()
        self.assertEqual(self.methods(), WINDOW_B)  # the cached result is still served

        bumped = tables.COUNTING_RULES_VERSION + 1
        with mock.patch.object(tables, "COUNTING_RULES_VERSION", bumped):
            recounted = self.methods()
            stored = CachedTables.objects.get(scope_key=self.scope.cache_key, fiscal_year=FY)

        self.assertEqual(recounted, {**WINDOW_B, "電話": 4, "メール": 3})
        self.assertEqual(stored.rules_version, f"{bumped}:a=1,b=1,c=1")

    def test_raising_one_table_s_rule_version_makes_the_cached_tables_stale(self) -> None:
        self.methods()
        self.move_an_email_to_the_phone_without_signals()

        table_a_v2 = replace(TABLE_A, rules_version=2)
        with tables_registered((table_a_v2, *REPORT_TABLES[1:])):
            self.assertEqual(rules_version(), "1:a=2,b=1,c=1")
            self.assertEqual(self.methods(), {**WINDOW_B, "電話": 4, "メール": 3})

    def test_a_row_cached_before_rules_versions_were_stored_is_stale(self) -> None:
        self.methods()
        self.move_an_email_to_the_phone_without_signals()
        CachedTables.objects.update(rules_version="")  # what the migration gives older rows

        self.assertEqual(self.methods(), {**WINDOW_B, "電話": 4, "メール": 3})

    def test_the_bulk_written_signal_of_the_consultations_raises_the_years_stamps(self) -> None:
        before = current_versions([FY, FY + 1])

        consultations_bulk_written.send(sender=Consultation, fiscal_years={FY})

        after = current_versions([FY, FY + 1])
        self.assertEqual(after[FY], before[FY] + 1)
        self.assertEqual(after[FY + 1], before[FY + 1])
