"""Real files for the import tests: CSV in each encoding and xlsx built with openpyxl."""

import csv
import io
import struct
import zlib
from collections.abc import Sequence

import openpyxl

HEADER = [
    "相談日",
    "相談方法",
    "相談者",
    "本人ID",
    "氏名",
    "フリガナ",
    "生年月日",
    "年齢",
    "性別",
    "相談内容",
    "対応",
    "つなぎ先種別",
    "つなぎ先",
    "メモ",
]

# Three persons: 山田健太 (two contacts, one referral), an unnamed person, 鈴木花子.
ROWS = [
    ["2024-05-01", "電話", "母", "A1", "山田 健太", "ヤマダ ケンタ", "1990-04-02", "", "男",
     "ひきこもり・就労", "継続支援", "", "", "初回の電話"],
    ["R6.5.20", "来庁", "本人", "A1", "山田 健太", "", "", "", "", "ひきこもり", "つなぐ",
     "サポステ", "つなぐ地域若者サポートステーション", ""],
    ["2024/6/3", "TEL", "近所の人", "", "", "", "", "40", "", "DV", "情報提供のみ", "", "", ""],
    ["令和6年7月1日", "訪問", "家族（父）", "B2", "鈴木 花子", "スズキ ハナコ", "H10.3.3", "", "女",
     "", "継続支援", "", "", ""],
]  # fmt: skip


def csv_bytes(
    rows: Sequence[Sequence[object]] = ROWS,
    *,
    header: Sequence[str] = HEADER,
    encoding: str = "utf-8",
) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Sequence[Sequence[object]] = ROWS,
    *,
    header: Sequence[str] = HEADER,
    merge: str = "",
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(list(header))
    for row in rows:
        sheet.append([None if value == "" else value for value in row])
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- hostile workbooks, built in the test (never committed) ---------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_RELS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN}" xmlns:r="{_RELS}">'
        '<sheets><sheet name="相談" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}
BOMB_ROW = (
    '<row><c t="inlineStr"><is><t>2024-05-01</t></is></c><c t="inlineStr"><is><t>電話</t></is>'
    '</c><c t="inlineStr"><is><t>情報提供のみ</t></is></c></row>'
)


def _inline(text: str) -> str:
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_head(dimension: str = "") -> str:
    """The sheet XML up to and with the header row (相談日・相談方法・対応)."""
    ref = f'<dimension ref="{dimension}"/>' if dimension else ""
    header = "".join(_inline(title) for title in ("相談日", "相談方法", "対応"))
    return f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}">{ref}<sheetData>' + (
        f"<row>{header}</row>"
    )


SHEET_TAIL = "</sheetData></worksheet>"


def bomb_xlsx(
    rows: int,
    *,
    row: str = BOMB_ROW,
    head: str = "",
    declared_sheet_size: int | None = None,
) -> bytes:
    """An xlsx whose sheet is `rows` copies of `row`: a few MB that unpack to hundreds.

    The sheet's deflate stream is one compressed block repeated (after a full flush the
    compressor starts afresh, so every copy compresses to the same bytes): building it costs a
    CRC pass, not the compression of the whole sheet. `declared_sheet_size` writes another
    uncompressed size into the zip headers than the sheet has (a directory that lies).
    """
    head_bytes = (head or sheet_head()).encode()
    row_bytes = row.encode()
    per_block = max(1, (1 << 20) // len(row_bytes))
    blocks, rest = divmod(rows, per_block)
    chunk = row_bytes * per_block
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    deflated = compressor.compress(head_bytes) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    assert compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH) == block
    tail = row_bytes * rest + SHEET_TAIL.encode()
    deflated += block * blocks + compressor.compress(tail) + compressor.flush()
    crc = zlib.crc32(head_bytes)
    for _ in range(blocks):
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head_bytes) + len(chunk) * blocks + len(tail)
    members = [(name, text.encode()) for name, text in _PARTS.items()]
    return _zip(members, ("xl/worksheets/sheet1.xml", deflated, crc, declared_sheet_size or size))


def _zip(stored: list[tuple[str, bytes]], deflated_member: tuple[str, bytes, int, int]) -> bytes:
    """A zip archive (PKWARE APPNOTE 4.3) of `stored` members and one deflated member."""
    out = io.BytesIO()
    directory = []
    entries = [(name, data, 0, zlib.crc32(data), len(data)) for name, data in stored]
    name, data, crc, size = deflated_member
    entries.append((name, data, 8, crc, size))
    for name, data, method, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        fields = (20, 0, method, 0, 0x21, crc, len(data), size, len(encoded), 0)
        out.write(struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", *fields) + encoded + data)
        directory.append(
            struct.pack(
                "<4sHHHHHHIIIHHHHHII",
                b"PK\x01\x02",
                20,
                *fields,
                0,
                0,
                0,
                0,
                offset,
            )
            + encoded
        )
    start = out.tell()
    central = b"".join(directory)
    out.write(central)
    count = len(directory)
    out.write(struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, count, count, len(central), start, 0))
    return out.getvalue()
