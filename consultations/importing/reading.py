"""From a file's bytes to rows of cells: CSV (UTF-8 with or without BOM, CP932) or xlsx.

Rows are numbered as a spreadsheet numbers them: the header is row 1 (行). Blank rows are
skipped but keep their numbers. Problems with the file as a whole raise FileRefused; problems
with single cells (a formula, a merged cell, a cell too long) are collected as RowErrors.

A file is read within limits (`Limits`, settings with defaults): an xlsx is a zip archive and
2.9 MB of it can unpack to 750 MB of XML, so the archive's declared sizes are checked before
parsing and the bytes actually inflated are counted while streaming; rows, columns and the
characters of a cell are counted as the rows are read, and reading stops at the first limit.
"""

import csv
import io
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._reader import WorkSheetParser

from consultations.importing.values import normalise
from tsunagu.validation import reject_control_characters_keep_lines

ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8（BOM付き）", "cp932": "Shift_JIS（CP932）"}
DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# Room for the documented 100k-row file (about 40 MB of sheet XML as Excel or openpyxl writes
# it) several times over; a larger import is split by year anyway.
DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
DEFAULT_MAX_ROWS = 200_000
# The width of the old .xls format (column IV): far more than the 14 columns of the import.
DEFAULT_MAX_COLUMNS = 256
# Excel's own limit of the characters in a cell.
DEFAULT_MAX_CELL_CHARS = 32_767
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

Cell = str | date | int | float

SPLIT_ADVICE = "年度ごとなどに分けて取り込んでください。"
UNREADABLE_XLSX = (
    "Excel ファイル（.xlsx）として読めません。ファイルが壊れていないか確認してください。"
)
UNPACKED_TOO_LARGE = "展開後のサイズが上限（{limit}）を超えています。" + SPLIT_ADVICE
TOO_MANY_ROWS = "行数が上限（見出し行のほかに{limit:,}行）を超えています。" + SPLIT_ADVICE
TOO_MANY_COLUMNS = (
    "{line}行目: 列の数が上限（{limit:,}列）を超えています。"
    + "使っていない右側の列を削除してください。"
)
CELL_TOO_LONG = "セルの文字数が上限（{limit:,}字）を超えています"
NUL_CHARACTER = (
    "{line}行目: NUL 文字（0x00）が含まれています。表計算ソフトで CSV として保存し直してください。"
)
UNREADABLE_CSV = "{line}行目: CSV として読めません（{reason}）。"
HEADER_CONTROL_CHARACTER = "1行目（見出し行）の {cell}: {message}"


@dataclass(frozen=True)
class Header:
    """The columns a kind of file may have (name → the spellings accepted in row 1, in any
    order) and those it must have. The consultation import's is the default; the staff import
    (`accounts.staff`) reads its own columns through the same functions."""

    columns: dict[str, list[str]]
    required: tuple[str, ...]
    spellings: dict[str, str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        spellings = {normalise(s): name for name, names in self.columns.items() for s in names}
        object.__setattr__(self, "spellings", spellings)

    def name_of(self, title: str) -> str | None:
        """The column a header cell names, however it is spelt (None: not a known column)."""
        return self.spellings.get(normalise(title))


CONSULTATION_HEADER = Header(COLUMNS, REQUIRED_COLUMNS)


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


@dataclass(frozen=True)
class Limits:
    """How much of a file is read (settings CONSULTATION_IMPORT_MAX_*; docs/import.md)."""

    unpacked_bytes: int = DEFAULT_MAX_UNPACKED_BYTES
    rows: int = DEFAULT_MAX_ROWS
    columns: int = DEFAULT_MAX_COLUMNS
    cell_chars: int = DEFAULT_MAX_CELL_CHARS

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            unpacked_bytes=_setting("CONSULTATION_IMPORT_MAX_UNPACKED_BYTES", cls.unpacked_bytes),
            rows=_setting("CONSULTATION_IMPORT_MAX_ROWS", cls.rows),
            columns=_setting("CONSULTATION_IMPORT_MAX_COLUMNS", cls.columns),
            cell_chars=_setting("CONSULTATION_IMPORT_MAX_CELL_CHARS", cls.cell_chars),
        )


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_bytes() -> int:
    """The size limit of an imported file (setting CONSULTATION_IMPORT_MAX_BYTES)."""
    return _setting("CONSULTATION_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)


def megabytes(size: int) -> str:
    """200 * 1024 * 1024 → 「200MB」; a limit set below a megabyte is shown in KB."""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:,.0f}MB"
    return f"{size / 1024:,.0f}KB"


def refuse_if_too_large(size: int) -> None:
    limit = max_bytes()
    if size > limit:
        raise FileRefused(
            f"ファイルが大きすぎます（{size / 1024 / 1024:.1f} MB。上限は "
            f"{limit / 1024 / 1024:.0f} MB）。" + SPLIT_ADVICE
        )


def read_sheet(
    content: bytes,
    file_name: str,
    encoding: str = "",
    limits: Limits | None = None,
    header: Header = CONSULTATION_HEADER,
) -> Sheet:
    """The rows of an xlsx or CSV file; `encoding` (CSV only) is chosen or detected when blank;
    `header` names the columns of the kind of file (the consultation import's by default)."""
    refuse_if_too_large(len(content))
    limits = limits or Limits.from_settings()
    if content.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm")):
        return _read_xlsx(content, limits, header)
    if file_name.lower().endswith(".xls"):
        raise FileRefused(
            "古い形式の Excel ファイル（.xls）は読めません。"
            "Excel で「Excel ブック（.xlsx）」か CSV として保存し直してください。"
        )
    return _read_csv(content, encoding, limits, header)


# --- CSV ------------------------------------------------------------------------------------------


def _read_csv(content: bytes, encoding: str, limits: Limits, header: Header) -> Sheet:
    if encoding and encoding not in ENCODINGS:
        raise FileRefused(
            f"文字コード「{encoding}」には対応していません。"
            f"使える文字コード: {'、'.join(ENCODINGS.values())}"
        )
    text, encoding = _decode(content, encoding, header)
    return _sheet_from_records("csv", encoding, _csv_records(text, limits), limits, header)


def _csv_records(text: str, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    """The records of a CSV text; `line` is the record's row number (a quoted line break
    inside a cell does not start a row, as in the spreadsheet)."""
    # The csv module refuses a field over its own limit (131,072 characters); above ours the
    # cell is refused with its row number, so only a larger configured limit needs it raised.
    if csv.field_size_limit() <= limits.cell_chars:
        csv.field_size_limit(limits.cell_chars + 1)
    has_nul = "\x00" in text
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                limit = CELL_TOO_LONG.format(limit=limits.cell_chars)
                raise FileRefused(f"{line}行目: {limit}。") from None
            raise FileRefused(UNREADABLE_CSV.format(line=line, reason=error)) from None
        if has_nul and any("\x00" in cell for cell in record):
            raise FileRefused(NUL_CHARACTER.format(line=line))
        yield line, record
        line += 1


UNKNOWN_ENCODING = (
    "ファイルの文字コードを判定できませんでした。UTF-8 か Shift_JIS（CP932）の CSV で保存し直すか、"
    "文字コードを選んでください。"
)


def _decode(content: bytes, chosen: str, header: Header) -> tuple[str, str]:
    head = content[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") * 8 > len(head):
        # UTF-16 (Excel's "Unicode テキスト"): a NUL in every other byte. A stray NUL in a
        # text file is refused at its row instead (_csv_records).
        raise FileRefused(UNKNOWN_ENCODING)
    if chosen:
        try:
            return content.decode(chosen), chosen
        except UnicodeDecodeError as error:
            raise FileRefused(
                f"選んだ文字コード（{ENCODINGS[chosen]}）ではファイルを読めません"
                f"（{_line_of(content, error.start)}行目）。"
                "文字コードを「自動判定」にするか、別の文字コードを選んでください。"
            ) from None
    if content.startswith(b"\xef\xbb\xbf"):
        try:
            return content.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as error:
            raise FileRefused(_unknown_encoding(content, error)) from None
    utf8_error: UnicodeDecodeError | None = None
    for candidate in ("utf-8", "cp932"):
        try:
            text = content.decode(candidate)
        except UnicodeDecodeError as error:
            utf8_error = utf8_error or error
            continue
        if candidate == "utf-8" or _has_known_header(text, header):
            return text, candidate
    raise FileRefused(_unknown_encoding(content, utf8_error))


def _unknown_encoding(content: bytes, utf8_error: UnicodeDecodeError | None) -> str:
    if utf8_error is None:
        return UNKNOWN_ENCODING
    line = _line_of(content, utf8_error.start)
    return f"{UNKNOWN_ENCODING}（UTF-8 としては {line}行目に読めない文字があります）"


def _line_of(content: bytes, offset: int) -> int:
    return content.count(b"\n", 0, offset) + 1


def _has_known_header(text: str, header: Header) -> bool:
    end = text.find("\n")
    first_line = text if end < 0 else text[:end]
    return any(header.name_of(cell) for cell in next(csv.reader([first_line]), []))


# --- xlsx -----------------------------------------------------------------------------------------

_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+\d+(?::[A-Z]+\d+)?)\"")
# What zipfile, zlib and openpyxl's XML parsing raise on a damaged file or one that is not a
# workbook, when it is opened and while its rows stream (ElementTree's ParseError is a
# SyntaxError; an encrypted member is a RuntimeError).
# What openpyxl and zipfile raise on a damaged or hostile workbook (found by fuzzing 300 corrupted
# copies): each becomes 「ファイルを読めません」, never a 500. NotImplementedError is openpyxl's
# answer to zip features it does not support (e.g. some compression methods), not a stub here.
_UNREADABLE_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    SyntaxError,
    RuntimeError,
    NotImplementedError,
)


class _CountingArchive(zipfile.ZipFile):
    """A zip archive that counts the bytes its members inflate to and refuses past a limit.

    The count is of the bytes the decompressor produced, whatever the zip directory declares.
    Each member counts once, however often it is read (openpyxl opens the sheet twice, and
    the merged cells are looked up in a pass of their own).
    """

    def __init__(self, file: IO[bytes], limit: int) -> None:
        super().__init__(file)
        self.limit = limit
        self.inflated = 0
        self._read_up_to: dict[str, int] = {}

    def open(
        self,
        name: str | zipfile.ZipInfo,
        mode: str = "r",
        pwd: bytes | None = None,
        *,
        force_zip64: bool = False,
    ) -> IO[bytes]:
        member = super().open(name, mode, pwd, force_zip64=force_zip64)  # type: ignore[arg-type]
        if mode != "r":
            return member
        key = name.filename if isinstance(name, zipfile.ZipInfo) else name
        return cast(
            IO[bytes], _CountedMember(member, lambda position: self._reached(key, position))
        )

    def _reached(self, name: str, position: int) -> None:
        before = self._read_up_to.get(name, 0)
        if position > before:
            self._read_up_to[name] = position
            self.inflated += position - before
            if self.inflated > self.limit:
                raise FileRefused(UNPACKED_TOO_LARGE.format(limit=megabytes(self.limit)))


class _CountedMember(io.RawIOBase):
    """A member's stream that reports how far it has been inflated after every read."""

    def __init__(self, member: IO[bytes], reached: Callable[[int], None]) -> None:
        super().__init__()
        self._member = member
        self._reached = reached
        self._position = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._member.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        self._position += size
        self._reached(self._position)
        return size

    def close(self) -> None:
        self._member.close()
        super().close()


def _open_archive(content: bytes, limits: Limits) -> _CountingArchive:
    """The workbook's zip archive, refused when its members declare more than the limit."""
    try:
        archive = _CountingArchive(io.BytesIO(content), limits.unpacked_bytes)
    except _UNREADABLE_ERRORS:
        raise FileRefused(UNREADABLE_XLSX) from None
    declared = sum(member.file_size for member in archive.infolist())
    if declared > limits.unpacked_bytes:
        archive.close()
        raise FileRefused(UNPACKED_TOO_LARGE.format(limit=megabytes(limits.unpacked_bytes)))
    return archive


def _first_sheet(content: bytes, archive: _CountingArchive) -> tuple[str, WorkSheetParser]:
    """The first worksheet's path and openpyxl's parser of it, reading through the archive.

    openpyxl's read-only workbook would scan a sheet without a <dimension> to its end while
    loading, and pad every row to a declared width; its parts are read here instead (the
    shared strings, the workbook and its styles, for dates) and the sheet's parser driven
    directly, so that the limits apply from the first row.
    """
    reader = ExcelReader(io.BytesIO(content), read_only=True, data_only=False)
    # openpyxl opens its own ZipFile and reads nothing from it before its read steps: the
    # counting archive takes its place (openpyxl offers no way to hand it one).
    reader.archive.close()
    reader.archive = archive
    reader.valid_files = archive.namelist()
    reader.read_manifest()
    reader.read_strings()
    reader.read_workbook()
    workbook = reader.wb
    apply_stylesheet(archive, workbook)
    for _sheet, relation in reader.parser.find_sheets():
        if relation.target in reader.valid_files and "chartsheet" not in relation.Type:
            path: str = relation.target
            parser = WorkSheetParser(
                archive.open(path),
                reader.shared_strings,
                data_only=False,
                epoch=workbook.epoch,
                date_formats=workbook._date_formats,
                timedelta_formats=workbook._timedelta_formats,
            )
            return path, parser
    raise FileRefused("Excel ファイルにシートがありません。")


def _read_xlsx(content: bytes, limits: Limits, header: Header) -> Sheet:
    archive = _open_archive(content, limits)
    errors: list[RowError] = []
    try:
        try:
            path, parser = _first_sheet(content, archive)
            try:
                records = _xlsx_records(parser, errors, limits)
                sheet = _sheet_from_records("xlsx", "", records, limits, header)
            finally:
                parser.source.close()
            errors += [
                RowError(
                    _row_of(ref), f"{ref.decode()} が結合されたセルです。結合を解除してください。"
                )
                for ref in _merged_ranges(archive, path)
            ]
        except _UNREADABLE_ERRORS:
            raise FileRefused(UNREADABLE_XLSX) from None
    finally:
        archive.close()
    sheet.errors = sorted([*errors, *sheet.errors], key=lambda error: error.line)
    return sheet


def _merged_ranges(archive: zipfile.ZipFile, path: str) -> list[bytes]:
    # The sheet parser does not keep <mergeCells>; it follows the cell data in the sheet XML.
    with archive.open(path) as source:
        tail, found = b"", []
        while chunk := source.read(1 << 20):
            data = tail + chunk
            found += _MERGE.findall(data)
            tail = data[-200:]
    return list(dict.fromkeys(found))


def _row_of(ref: bytes) -> int:
    return int(re.search(rb"\d+", ref).group())  # type: ignore[union-attr]


def _xlsx_records(
    parser: WorkSheetParser, errors: list[RowError], limits: Limits
) -> Iterator[tuple[int, list[Cell]]]:
    """(row number, cells) as the sheet stores them; a row as wide as its last cell."""
    for line, cells in parser.parse():
        width = cells[-1]["column"] if cells else 0
        # Refused before a row of that width is built.
        _refuse_wide(line, width, limits)
        values: list[Cell] = [""] * width
        for cell in cells:
            value = cell["value"]
            if cell["data_type"] == "f":
                ref = f"{get_column_letter(cell['column'])}{line}"
                errors.append(
                    RowError(
                        line,
                        f"{ref} に数式（{value}）が入っています。"
                        "数式を値に変換して保存し直してください。",
                    )
                )
                value = None
            if value is not None and 1 <= cell["column"] <= width:
                values[cell["column"] - 1] = value
        yield line, values


# --- both -----------------------------------------------------------------------------------------


def _refuse_wide(line: int, width: int, limits: Limits) -> None:
    if width > limits.columns:
        raise FileRefused(TOO_MANY_COLUMNS.format(line=line, limit=limits.columns))


def _long_cells(line: int, record: Sequence[Cell], limit: int) -> list[RowError]:
    too_long = CELL_TOO_LONG.format(limit=limit)
    return [
        RowError(line, f"{too_long}（{get_column_letter(index + 1)}列）。")
        for index, value in enumerate(record)
        if isinstance(value, str) and len(value) > limit
    ]


def _header_errors(header: Sequence[Cell]) -> None:
    """A header is shown on the preview page and kept with the batch: the rule of multi-line
    text (a header may have a line break typed with Alt+Enter) applies to it."""
    for index, title in enumerate(header):
        try:
            reject_control_characters_keep_lines(str(title))
        except ValidationError as error:
            cell = f"{get_column_letter(index + 1)}1"
            raise FileRefused(
                HEADER_CONTROL_CHARACTER.format(cell=cell, message=error.messages[0])
            ) from None


def _sheet_from_records(
    file_format: str,
    encoding: str,
    records: Iterator[tuple[int, Sequence[Cell]]],
    limits: Limits,
    header: Header,
) -> Sheet:
    """The sheet of (row number, cells) records, the first of which is the header (row 1)."""
    first_line, titles = next(records, (1, []))
    if first_line != 1:
        titles = []  # row 1 is blank: no header
    _refuse_wide(1, len(titles), limits)
    long_cells = _long_cells(1, titles, limits.cell_chars)
    if long_cells:
        raise FileRefused(f"1行目（見出し行）: {long_cells[0].message}")
    _header_errors(titles)
    columns: list[str] = []
    unknown: list[str] = []
    positions: list[tuple[int, str]] = []
    duplicated: list[str] = []
    for index, title in enumerate(titles):
        text = str(title).strip()
        if not text:
            continue
        name = header.name_of(text)
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
            f"1行目（見出し行）に「{header.required[0]}」の列がありません。"
            f"見出しは {'、'.join(header.columns)} です（順番は自由）。"
        )
    if duplicated:
        raise FileRefused(
            f"見出し「{'」「'.join(duplicated)}」が2回以上あります。1列にしてください。"
        )
    missing = [name for name in header.required if name not in columns]
    if missing:
        raise FileRefused(
            f"1行目（見出し行）に「{'」「'.join(missing)}」の列がありません。"
            f"見出しは {'、'.join(header.columns)} です（順番は自由）。"
        )
    last_line = limits.rows + 1
    # Rows are counted by number and by count: an xlsx may repeat or skip row numbers.
    for count, (line, record) in enumerate(records, start=2):
        if line > last_line or count > last_line:
            raise FileRefused(TOO_MANY_ROWS.format(limit=limits.rows))
        _refuse_wide(line, len(record), limits)
        if any(isinstance(value, str) and len(value) > limits.cell_chars for value in record):
            sheet.errors += _long_cells(line, record, limits.cell_chars)
            continue
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
