"""Real files for the import tests: CSV in each encoding and xlsx built with openpyxl."""

import csv
import io
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
