"""Hostile and damaged files: each is refused quickly with a Japanese message, never a 500 or a
hang. The zip bombs are built in the test (import_files.bomb_xlsx), a few MB that unpack to
hundreds; the time each refusal takes proves that reading stopped at the limit."""

import io
import random
import tempfile
import time
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from consultations.importing.reading import (
    FileRefused,
    Limits,
    Sheet,
    _CountingArchive,
    read_sheet,
)
from consultations.models import Consultation, ImportBatch
from consultations.tests.import_files import (
    bomb_xlsx,
    csv_bytes,
    sheet_head,
    xlsx_bytes,
)
from consultations.tests.test_import_command import row
from people.models import Person
from tsunagu.test import BaseTestCase

# About as long as a refusal may take on a busy machine; reading the bombs to their end would
# take minutes and gigabytes.
QUICKLY = 10.0
ONE_CELL_ROW = "<row><c><v>1</v></c></row>"


def five_million_rows() -> bytes:
    """The file of the report: 5 million rows, about 3 MB, unpacking to 650 MB."""
    return bomb_xlsx(5_000_000)


def five_million_short_rows() -> bytes:
    """5 million one-cell rows: 120 MB unpacked, within the size limit; the rows are not."""
    return bomb_xlsx(5_000_000, row=ONE_CELL_ROW)


def sheet_xlsx(body: str, dimension: str = "") -> bytes:
    """A workbook whose sheet is the header row and then `body` (rows as XML)."""
    return bomb_xlsx(0, head=sheet_head(dimension) + body)


class TimedTestCase(SimpleTestCase):
    def refusal(self, content: bytes, name: str = "相談記録.xlsx", **limits: int) -> str:
        """The message of the refusal, asserted to come quickly."""
        started = time.monotonic()
        with self.assertRaises(FileRefused) as raised:
            read_sheet(content, name, limits=Limits(**limits) if limits else None)
        self.assertLess(time.monotonic() - started, QUICKLY)
        return str(raised.exception)


class ZipBombTest(TimedTestCase):
    def test_a_workbook_unpacking_past_the_limit_is_refused_from_its_directory(self) -> None:
        bomb = five_million_rows()
        self.assertLess(len(bomb), 4 * 1024 * 1024)
        self.assertEqual(
            self.refusal(bomb),
            "展開後のサイズが上限（200MB）を超えています。年度ごとなどに分けて取り込んでください。",
        )

    def test_a_directory_that_lies_about_the_sizes_is_not_unpacked_to_the_end(self) -> None:
        bomb = bomb_xlsx(5_000_000, declared_sheet_size=10_000)
        self.assertIn("Excel ファイル（.xlsx）として読めません", self.refusal(bomb))

    def test_the_bytes_inflated_are_counted_while_streaming(self) -> None:
        # The counting archive alone, without the check of the declared sizes before it.
        archive = _CountingArchive(io.BytesIO(bomb_xlsx(500_000)), limit=1024 * 1024)
        started = time.monotonic()
        with (
            self.assertRaises(FileRefused) as raised,
            archive.open("xl/worksheets/sheet1.xml") as sheet,
        ):
            while sheet.read(64 * 1024):
                pass
        self.assertLess(time.monotonic() - started, QUICKLY)
        self.assertIn("展開後のサイズが上限（1MB）を超えています", str(raised.exception))
        self.assertLessEqual(archive.inflated, 1024 * 1024 + 64 * 1024)

    def test_a_member_read_twice_counts_once(self) -> None:
        content = xlsx_bytes()
        declared = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(content)).infolist())
        sheet = read_sheet(content, "a.xlsx", limits=Limits(unpacked_bytes=declared))
        self.assertEqual(len(sheet.rows), 4)

    def test_five_million_rows_within_the_size_limit_stop_at_the_row_limit(self) -> None:
        self.assertEqual(
            self.refusal(five_million_short_rows()),
            "行数が上限（見出し行のほかに200,000行）を超えています。"
            "年度ごとなどに分けて取り込んでください。",
        )

    def test_a_row_number_past_the_limit_is_refused_at_once(self) -> None:
        body = '<row r="2"><c><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>'
        self.assertIn("行数が上限", self.refusal(sheet_xlsx(body)))

    def test_one_row_number_repeated_is_counted_as_many_rows(self) -> None:
        bomb = bomb_xlsx(500_000, row='<row r="2"><c><v>1</v></c></row>')
        self.assertIn("行数が上限（見出し行のほかに1,000行）", self.refusal(bomb, rows=1000))

    def test_a_huge_declared_dimension_reads_only_the_rows_there(self) -> None:
        body = (
            '<row r="2"><c r="A2" t="inlineStr"><is><t>2024-05-01</t></is></c>'
            '<c r="B2" t="inlineStr"><is><t>電話</t></is></c>'
            '<c r="C2" t="inlineStr"><is><t>情報提供のみ</t></is></c></row>'
        )
        started = time.monotonic()
        sheet = read_sheet(sheet_xlsx(body, "A1:XFD1048576"), "a.xlsx")
        self.assertLess(time.monotonic() - started, QUICKLY)
        self.assertEqual(
            sheet.rows, [(2, {"相談日": "2024-05-01", "相談方法": "電話", "対応": "情報提供のみ"})]
        )

    def test_a_row_wider_than_the_limit_is_refused_before_it_is_built(self) -> None:
        body = '<row r="2"><c r="XFD2"><v>1</v></c></row>'
        self.assertEqual(
            self.refusal(sheet_xlsx(body)),
            "2行目: 列の数が上限（256列）を超えています。使っていない右側の列を削除してください。",
        )


class DamagedFileTest(TimedTestCase):
    def test_a_zip_that_is_not_a_workbook(self) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            archive.writestr("readme.txt", "hello")
        self.assertIn("Excel ファイル（.xlsx）として読めません", self.refusal(out.getvalue()))

    def test_a_truncated_workbook(self) -> None:
        content = xlsx_bytes()
        for cut in (len(content) // 3, len(content) - 30):
            with self.subTest(cut=cut):
                message = self.refusal(content[:cut])
                self.assertIn("Excel ファイル（.xlsx）として読めません", message)

    def test_a_csv_named_xlsx(self) -> None:
        self.assertIn("として読めません", self.refusal(csv_bytes(), name="台帳.xlsx"))

    def test_a_workbook_without_sheets(self) -> None:
        content = bomb_xlsx(0).replace(b'<sheet name="\xe7\x9b\xb8\xe8\xab\x87"', b"<x")
        self.assertIn("読めません", self.refusal(content))

    def test_damaged_bytes_anywhere_give_a_japanese_refusal_or_the_rows(self) -> None:
        # Bounded fuzzing: 300 copies of a real workbook, each with a few random bytes changed.
        content = xlsx_bytes()
        randomness = random.Random(12)
        started = time.monotonic()
        outcomes = {"refused": 0, "read": 0}
        for _ in range(300):
            damaged = bytearray(content)
            for _ in range(randomness.randint(1, 8)):
                damaged[randomness.randrange(len(damaged))] = randomness.randrange(256)
            try:
                result = read_sheet(bytes(damaged), "a.xlsx")
            except FileRefused as refusal:
                self.assertTrue(str(refusal))
                outcomes["refused"] += 1
            else:
                self.assertIsInstance(result, Sheet)
                outcomes["read"] += 1
        self.assertLess(time.monotonic() - started, 30)
        self.assertGreater(outcomes["refused"], 100)


class CsvLimitTest(TimedTestCase):
    def test_a_cell_over_the_csv_modules_own_limit_is_refused_with_its_row(self) -> None:
        rows = [row() for _ in range(10)] + [row(メモ="あ" * 200_000)]
        self.assertEqual(
            self.refusal(csv_bytes(rows), name="a.csv"),
            "12行目: セルの文字数が上限（32,767字）を超えています。",
        )

    def test_a_cell_over_the_limit_is_listed_with_its_row_and_column(self) -> None:
        rows = [row(), row(メモ="あ" * 40_000), row(相談方法="あ" * 33_000)]
        sheet = read_sheet(csv_bytes(rows), "a.csv")
        self.assertEqual(
            [(error.line, error.message) for error in sheet.errors],
            [
                (3, "セルの文字数が上限（32,767字）を超えています（N列）。"),
                (4, "セルの文字数が上限（32,767字）を超えています（B列）。"),
            ],
        )
        self.assertEqual([line for line, _ in sheet.rows], [2])

    def test_a_configured_limit_above_the_csv_modules_own_is_honoured(self) -> None:
        sheet = read_sheet(
            csv_bytes([row(メモ="あ" * 150_000)]), "a.csv", limits=Limits(cell_chars=200_000)
        )
        self.assertEqual(len(sheet.rows[0][1]["メモ"]), 150_000)

    def test_rows_past_the_limit(self) -> None:
        message = self.refusal(csv_bytes([row()] * 101), name="a.csv", rows=100)
        self.assertIn("行数が上限（見出し行のほかに100行）", message)
        read_sheet(csv_bytes([row()] * 100), "a.csv", limits=Limits(rows=100))

    def test_a_line_of_fifty_megabytes_of_commas(self) -> None:
        content = csv_bytes([row()]) + b"," * (10 * 1024 * 1024)
        self.assertEqual(
            self.refusal(content, name="a.csv"),
            "3行目: 列の数が上限（256列）を超えています。使っていない右側の列を削除してください。",
        )

    def test_a_nul_byte_after_the_first_lines(self) -> None:
        rows = [row() for _ in range(300)] + [row(メモ="a\x00b")]
        self.assertEqual(
            self.refusal(csv_bytes(rows), name="a.csv"),
            "302行目: NUL 文字（0x00）が含まれています。"
            "表計算ソフトで CSV として保存し直してください。",
        )

    def test_undecodable_bytes_name_their_line(self) -> None:
        content = csv_bytes([row(), row(メモ="壊れた")]).replace("壊れた".encode(), b"\x81\xff")
        message = self.refusal(content, name="a.csv")
        self.assertIn("文字コードを判定できませんでした", message)
        self.assertIn("UTF-8 としては 3行目に読めない文字があります", message)
        message = self.refusal(content, name="a.csv", encoding="utf-8")
        self.assertIn("選んだ文字コード（UTF-8）ではファイルを読めません（3行目）", message)

    def refusal(  # type: ignore[override]
        self, content: bytes, name: str = "a.csv", encoding: str = "", **limits: int
    ) -> str:
        started = time.monotonic()
        with self.assertRaises(FileRefused) as raised:
            read_sheet(content, name, encoding, limits=Limits(**limits) if limits else None)
        self.assertLess(time.monotonic() - started, QUICKLY)
        return str(raised.exception)

    def test_a_header_with_a_control_character(self) -> None:
        header = ["相談日", "相談方法", "対応", "担当\u202e者"]
        self.assertEqual(
            self.refusal(csv_bytes([], header=header)),
            "1行目（見出し行）の D1: "
            "使えない制御文字（見えない書式文字など）が含まれています。削除してください。",
        )
        sheet = read_sheet(csv_bytes([row()], header=["相談\n日", "相談方法", "対応"]), "a.csv")
        self.assertEqual(sheet.columns, ["相談日", "相談方法", "対応"])


class LimitsAtTheDoorsTest(BaseTestCase):
    """The page and the command: a Japanese refusal, nothing imported, no 500, no traceback."""

    def upload(self, content: bytes, name: str) -> str:
        self.login(self.soudan)
        started = time.monotonic()
        response = self.client.post(
            reverse("consultation_import"),
            {"file": SimpleUploadedFile(name, content), "encoding": ""},
        )
        self.assertLess(time.monotonic() - started, QUICKLY)
        self.assertEqual(response.status_code, 400)
        self.assertEqual((ImportBatch.objects.count(), Consultation.objects.count()), (0, 0))
        return response.content.decode()

    def command(self, content: bytes, name: str) -> str:
        before = Person.objects.count()
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / name
            path.write_bytes(content)
            started = time.monotonic()
            with self.assertRaises(CommandError) as raised:
                call_command(
                    "import_consultations",
                    str(path),
                    user="soudan",
                    stdout=io.StringIO(),
                    stderr=io.StringIO(),
                )
            self.assertLess(time.monotonic() - started, QUICKLY)
        self.assertEqual((ImportBatch.objects.count(), Consultation.objects.count()), (0, 0))
        self.assertEqual(Person.objects.count(), before)
        return str(raised.exception)

    def test_the_page_refuses_the_zip_bomb(self) -> None:
        page = self.upload(five_million_rows(), "台帳.xlsx")
        self.assertIn("展開後のサイズが上限（200MB）を超えています", page)

    def test_the_command_refuses_the_zip_bomb(self) -> None:
        message = self.command(five_million_rows(), "台帳.xlsx")
        self.assertIn("展開後のサイズが上限（200MB）を超えています", message)

    @override_settings(CONSULTATION_IMPORT_MAX_ROWS=1000)
    def test_the_page_and_the_command_stop_the_rows_at_the_configured_limit(self) -> None:
        bomb = five_million_short_rows()
        self.assertIn("行数が上限（見出し行のほかに1,000行）", self.upload(bomb, "台帳.xlsx"))
        self.assertIn("行数が上限（見出し行のほかに1,000行）", self.command(bomb, "台帳.xlsx"))

    def test_a_csv_cell_over_the_csv_limit_is_a_refusal_not_a_500(self) -> None:
        content = csv_bytes([row() for _ in range(10)] + [row(メモ="あ" * 200_000)])
        expected = "12行目: セルの文字数が上限（32,767字）を超えています。"
        self.assertIn(expected, self.upload(content, "相談記録.csv"))
        self.assertEqual(self.command(content, "相談記録.csv"), expected)

    @override_settings(CONSULTATION_IMPORT_MAX_UNPACKED_BYTES=1024 * 1024)
    def test_the_unpacked_limit_is_a_setting(self) -> None:
        page = self.upload(xlsx_bytes([row()] * 8_000), "台帳.xlsx")
        self.assertIn("展開後のサイズが上限（1MB）を超えています", page)
