"""The xlsx, CSV, PDF and JSON outputs read back cell by cell, through the command."""

import csv
import io
import json
import tempfile
from pathlib import Path

from django.core.management import CommandError, call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from reports.columns import AGENCY_COLUMNS
from reports.tests.data import FY, WINDOW_A, WINDOW_B, WINDOW_C_NONZERO, build_known_data
from tsunagu.test import BaseTestCase

C_COUNTS = [WINDOW_C_NONZERO.get(column, 0) for column in AGENCY_COLUMNS] + [3]
C_SHARES = [
    {"ハローワーク": "66.7%", "医療機関": "33.3%"}.get(column, "0.0%") for column in AGENCY_COLUMNS
] + ["100.0%"]


class ExportTest(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        build_known_data(cls.world)

    def run_command(self, *args: str) -> bytes:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "out"
            call_command("fy_report", *args, "--output", str(path), stderr=io.StringIO())
            return path.read_bytes()

    def window_args(self, fmt: str, year: int = FY) -> list[str]:
        return ["--fiscal-year", str(year), "--organisation", str(self.window.pk), "--format", fmt]

    def test_the_json_has_exactly_the_named_keys_and_every_cell(self) -> None:
        data = json.loads(self.run_command(*self.window_args("json")))

        self.assertEqual(
            list(data),
            [
                "fiscal_year",
                "label",
                "persons_by_age",
                "consultations_by_method",
                "referrals_by_agency_type",
            ],
        )
        self.assertEqual(data["fiscal_year"], 2017)
        self.assertEqual(data["label"], "平成29年度")
        self.assertEqual(data["persons_by_age"], WINDOW_A)
        self.assertEqual(data["consultations_by_method"], WINDOW_B)
        self.assertEqual(list(data["referrals_by_agency_type"].values()), C_COUNTS)
        self.assertEqual(list(data["referrals_by_agency_type"])[-1], "合計")

    def test_the_json_of_a_municipality_and_of_the_prefecture(self) -> None:
        city = self.window.local_government
        data = json.loads(
            self.run_command(
                "--fiscal-year", "2017", "--municipality", city.code, "--format", "json"
            )
        )
        self.assertEqual(data["persons_by_age"]["合計"], 11)
        data = json.loads(
            self.run_command("--fiscal-year", "2017", "--prefecture", city.prefecture.code)
        )
        self.assertEqual(data["persons_by_age"]["合計"], 12)
        self.assertEqual(data["consultations_by_method"]["合計"], 17)

    def test_a_year_without_data_is_zeros_and_reiwa_gannendo(self) -> None:
        data = json.loads(self.run_command(*self.window_args("json", 2019)))

        self.assertEqual(data["label"], "令和元年度")
        self.assertEqual(set(data["persons_by_age"].values()), {0})
        self.assertEqual(set(data["referrals_by_agency_type"].values()), {0})

    def test_an_unknown_scope_is_a_clear_error(self) -> None:
        with self.assertRaisesMessage(CommandError, "機関 ID 99999 は登録されていません。"):
            call_command("fy_report", "--fiscal-year", "2017", "--organisation", "99999")
        with self.assertRaisesMessage(CommandError, "市区町村は登録されていません"):
            call_command("fy_report", "--fiscal-year", "2017", "--municipality", "123456")

    def expected_csv_rows(self) -> list[list[str]]:
        return [
            ["平成29年度 つなぐ市 ひきこもり相談窓口 相談支援の実績"],
            [],
            ["表A 実相談人数（年代別）"],
            ["年代 年度", *WINDOW_A],
            ["平成29年度", *(str(v) for v in WINDOW_A.values())],
            [],
            ["表B 相談件数（相談方法別）"],
            ["相談方法 年度", *WINDOW_B],
            ["平成29年度", *(str(v) for v in WINDOW_B.values())],
            [],
            ["表C 関係機関へつないだ件数（機関種別）"],
            ["機関 年度", *AGENCY_COLUMNS, "合計"],
            ["平成29年度", *(str(v) for v in C_COUNTS)],
            ["率", *C_SHARES],
        ]

    def test_the_csv_in_utf8_with_bom_reads_back_cell_by_cell(self) -> None:
        data = self.run_command(*self.window_args("csv"))

        self.assertTrue(data.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        self.assertEqual(rows, self.expected_csv_rows())

    def test_the_csv_in_cp932_reads_back_cell_by_cell(self) -> None:
        data = self.run_command(*self.window_args("csv"), "--encoding", "cp932")

        self.assertFalse(data.startswith(b"\xef\xbb\xbf"))
        rows = list(csv.reader(io.StringIO(data.decode("cp932"))))
        self.assertEqual(rows, self.expected_csv_rows())

    def test_the_xlsx_is_laid_out_like_the_deck(self) -> None:
        book = load_workbook(io.BytesIO(self.run_command(*self.window_args("xlsx"))))

        self.assertEqual(book.sheetnames, ["表A・表B・表C", "推移"])
        sheet = book["表A・表B・表C"]
        values = [list(row) for row in sheet.iter_rows(values_only=True)]
        width = len(AGENCY_COLUMNS) + 2

        def row(*cells: object) -> list[object]:
            return [*cells, *([None] * (width - len(cells)))]

        self.assertEqual(values[0], row("平成29年度 つなぐ市 ひきこもり相談窓口 相談支援の実績"))
        self.assertEqual(values[2], row("表A 実相談人数（年代別）"))
        self.assertEqual(values[3], row("年代 年度", *WINDOW_A))
        self.assertEqual(values[4], row("平成29年度", *WINDOW_A.values()))
        self.assertEqual(values[6], row("表B 相談件数（相談方法別）"))
        self.assertEqual(values[7], row("相談方法 年度", *WINDOW_B))
        self.assertEqual(values[8], row("平成29年度", *WINDOW_B.values()))
        self.assertEqual(values[10], row("表C 関係機関へつないだ件数（機関種別）"))
        self.assertEqual(values[11], row("機関 年度", *AGENCY_COLUMNS, "合計"))
        self.assertEqual(values[12], row("平成29年度", *C_COUNTS))
        shares = [0.667 if v == 2 else 0.333 if v == 1 else 0.0 for v in C_COUNTS[:-1]] + [1.0]
        self.assertEqual(values[13], row("率", *shares))
        self.assertEqual(sheet.cell(row=14, column=2).number_format, "0.0%")
        self.assertEqual(len(values), 14)

        trend = [list(r) for r in book["推移"].iter_rows(values_only=True)]
        years = [r[0] for r in trend[4:10]]
        self.assertEqual(
            years,
            ["平成24年度", "平成25年度", "平成26年度", "平成27年度", "平成28年度", "平成29年度"],
        )
        self.assertEqual(trend[9][1:8], list(WINDOW_A.values()))
        self.assertEqual(trend[4][1:8], [0] * 7)

    def test_the_prefecture_xlsx_has_the_municipalities_sheet(self) -> None:
        code = self.window.local_government.prefecture.code
        book = load_workbook(
            io.BytesIO(
                self.run_command("--fiscal-year", "2017", "--prefecture", code, "--format", "xlsx")
            )
        )
        rows = [list(r) for r in book["市区町村別"].iter_rows(values_only=True)]
        self.assertEqual(rows[3], ["市区町村", "実相談人数", "相談件数", "関係機関へつないだ件数"])
        self.assertEqual(
            rows[4:],
            [
                ["つなぐ県（県の機関）", 0, 0, 0],
                ["つなぐ市", 11, 16, 3],
                ["みなと町", 1, 1, 0],
                ["合計", 12, 17, 3],
            ],
        )

    def test_the_pdf_carries_the_tables_and_charts(self) -> None:
        data = self.run_command(*self.window_args("pdf"))

        reader = PdfReader(io.BytesIO(data))
        text = "".join(page.extract_text() for page in reader.pages)
        self.assertIn("平成29年度 つなぐ市 ひきこもり相談窓口 相談支援の実績", text)
        self.assertIn("表A 実相談人数（年代別）", text)
        self.assertIn("50代以上", text)
        self.assertIn("ハローワーク 2 66.7%", text)
        self.assertIn("医療機関 1 33.3%", text)
        self.assertIn("合計 3 100.0%", text)
        self.assertIn("平成29年度 3 1 1 1 1 3 10", text)
        self.assertIn("平成29年度 3 4 4 4 15", text)
        self.assertEqual(reader.pages[0].mediabox.width.__round__(), 595)  # A4
