"""From a file's bytes to rows of cells: CSV (UTF-8 with or without BOM, CP932) or xlsx.

Rows are numbered as a spreadsheet numbers them: the header is row 1 (行). Blank rows are
skipped but keep their numbers. Problems with the file as a whole raise FileRefused; problems
with single cells (a formula, a merged cell) are collected as RowErrors.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date

import openpyxl
from django.conf import settings
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from consultations.importing.values import normalise

ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"

# Column name → the spellings accepted in the header row (normalised by values.normalise).
COLUMNS: dict[str, list[str]] = {
    "相談日": ["相談日", "相談年月日", "受付日"],
    "相談方法": ["相談方法", "受付方法"],
    "相談者": ["相談者"],
    "本人ID": ["本人ID", "本人番号"],
    "氏名": ["氏名", "名前"],
    "フリガナ": ["フリガナ", "ふりがな", "よみがな", "カナ"],
    "生年月日": ["生年月日"],
    "年齢": ["年齢"],
    "性別": ["性別"],
    "相談内容": ["相談内容"],
    "対応": ["対応"],
    "つなぎ先種別": ["つなぎ先種別", "つなぎ先の種別"],
    "つなぎ先": ["つなぎ先", "つなぎ先機関", "つなぎ先の機関"],
    "メモ": ["メモ", "備考"],
}
REQUIRED_COLUMNS = ("相談日", "相談方法", "対応")
_HEADER_SPELLINGS = {normalise(s): name for name, spellings in COLUMNS.items() for s in spellings}

Cell = str | date | int | float


class FileRefused(Exception):
    """The file as a whole cannot be imported; the message is for the office staff."""


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class Sheet:
    """The rows of a file: (row number, {column name: cell}) with blank cells left out."""

    file_format: str
    encoding: str
    columns: list[str]
    unknown_columns: list[str]
    rows: list[tuple[int, dict[str, Cell]]]
    errors: list[RowError] = field(default_factory=list)


def max_bytes() -> int:
    """The size limit of an imported file (setting CONSULTATION_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "CONSULTATION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def refuse_if_too_large(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise FileRefused(
            f"ファイルが大きすぎます（{size / 1024 / 1024:.1f} MB。上限は "
            f"{limit / 1024 / 1024:.0f} MB）。年度ごとなどに分けて取り込んでください。"
        )


def read_sheet(content: bytes, file_name: str, encoding: str = "") -> Sheet:
    """The rows of an xlsx or CSV file; `encoding` (CSV only) is chosen or detected when blank."""
    refuse_if_too_large(len(content))
    if content.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content)
    if file_name.lower().endswith(".xls"):
        raise FileRefused(
            "古い形式の Excel ファイル（.xls）は読めません。"
            "Excel で「Excel ブック（.xlsx）」か CSV として保存し直してください。"
        )
    return _read_csv(content, encoding)


# --- CSV ------------------------------------------------------------------------------------------


def _read_csv(content: bytes, encoding: str) -> Sheet:
    if encoding and encoding not in ENCODINGS:
        raise FileRefused(
            f"文字コード「{encoding}」には対応していません。"
            f"使える文字コード: {'、'.join(ENCODINGS.values())}"
        )
    text, encoding = _decode(content, encoding)
    records = list(csv.reader(io.StringIO(text, newline="")))
    return _sheet_from_records("csv", encoding, iter(records))


UNKNOWN_ENCODING = (
    "ファイルの文字コードを判定できませんでした。UTF-8 か Shift_JIS（CP932）の CSV で保存し直すか、"
    "文字コードを選んでください。"
)


def _decode(content: bytes, chosen: str) -> tuple[str, str]:
    if b"\x00" in content[:4096]:
        # UTF-16 (Excel's "Unicode テキスト") or not a text file at all.
        raise FileRefused(UNKNOWN_ENCODING)
    if chosen:
        try:
            return content.decode(chosen), chosen
        except UnicodeDecodeError:
            raise FileRefused(
                f"選んだ文字コード（{ENCODINGS[chosen]}）ではファイルを読めません。"
                "文字コードを「自動判定」にするか、別の文字コードを選んでください。"
            ) from None
    if content.startswith(b"\xef\xbb\xbf"):
        return content.decode("utf-8-sig", errors="strict"), "utf-8-sig"
    for candidate in ("utf-8", "cp932"):
        try:
            text = content.decode(candidate)
        except UnicodeDecodeError:
            continue
        if candidate == "utf-8" or _has_known_header(text):
            return text, candidate
    raise FileRefused(UNKNOWN_ENCODING)


def _has_known_header(text: str) -> bool:
    first_line = text.split("\n", 1)[0]
    return any(normalise(cell) in _HEADER_SPELLINGS for cell in next(csv.reader([first_line]), []))


# --- xlsx -----------------------------------------------------------------------------------------

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")


def _read_xlsx(content: bytes) -> Sheet:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise FileRefused(
            "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。"
        ) from None
    try:
        worksheet = workbook.worksheets[0]
        errors = [
            RowError(_row_of(ref), f"{ref.decode()} が結合されたセルです。結合を解除してください。")
            for ref in _merged_ranges(worksheet)
        ]
        records = _xlsx_records(worksheet, errors)
        sheet = _sheet_from_records("xlsx", "", records)
    finally:
        workbook.close()
    sheet.errors = sorted([*errors, *sheet.errors], key=lambda error: error.line)
    return sheet


def _merged_ranges(worksheet: object) -> list[bytes]:
    # Read-only worksheets do not parse <mergeCells>; it follows the cell data in the sheet XML.
    with worksheet._get_source() as source:  # type: ignore[attr-defined]
        tail, found = b"", []
        while chunk := source.read(1 << 20):
            data = tail + chunk
            found += _MERGE.findall(data)
            tail = data[-200:]
    return list(dict.fromkeys(found))


def _row_of(ref: bytes) -> int:
    return int(re.search(rb"\d+", ref).group())  # type: ignore[union-attr]


def _xlsx_records(worksheet: object, errors: list[RowError]) -> Iterator[list[Cell]]:
    for row in worksheet.iter_rows():  # type: ignore[attr-defined]
        values: list[Cell] = []
        for index, cell in enumerate(row):
            value = cell.value
            if cell.data_type == "f":
                errors.append(
                    RowError(
                        cell.row,
                        f"{get_column_letter(index + 1)}{cell.row} に数式（{value}）"
                        "が入っています。"
                        "数式を値に変換して保存し直してください。",
                    )
                )
                value = None
            values.append("" if value is None else value)
        yield values


# --- both -----------------------------------------------------------------------------------------


def _sheet_from_records(
    file_format: str, encoding: str, records: Iterator[Sequence[Cell]]
) -> Sheet:
    header = next(records, [])
    columns: list[str] = []
    unknown: list[str] = []
    positions: list[tuple[int, str]] = []
    duplicated: list[str] = []
    for index, title in enumerate(header):
        text = str(title).strip()
        if not text:
            continue
        name = _HEADER_SPELLINGS.get(normalise(text))
        if name is None:
            unknown.append(text)
        elif name in columns:
            duplicated.append(name)
        else:
            columns.append(name)
            positions.append((index, name))
    sheet = Sheet(file_format, encoding, columns, unknown, [])
    if not columns:
        raise FileRefused(
            "1行目（見出し行）に「相談日」の列がありません。"
            f"見出しは {'、'.join(COLUMNS)} です（順番は自由）。"
        )
    if duplicated:
        raise FileRefused(
            f"見出し「{'」「'.join(duplicated)}」が2回以上あります。1列にしてください。"
        )
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise FileRefused(
            f"1行目（見出し行）に「{'」「'.join(missing)}」の列がありません。"
            f"見出しは {'、'.join(COLUMNS)} です（順番は自由）。"
        )
    for line, record in enumerate(records, start=2):
        row: dict[str, Cell] = {}
        for index, name in positions:
            if index < len(record):
                value = record[index]
                if isinstance(value, str):
                    value = value.strip()
                if value != "":
                    row[name] = value
        if row:
            sheet.rows.append((line, row))
    return sheet
