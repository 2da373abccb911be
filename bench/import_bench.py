"""The 100k-row spreadsheet import (issue 6): generate the files, import them, print seconds.

    DATABASE_URL=sqlite:////tmp/tsunagu_import_bench.sqlite3 .venv/bin/python bench/import_bench.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu_import_bench \
        .venv/bin/python bench/import_bench.py

Generates a CSV (UTF-8 with BOM) and an xlsx of --rows consultation rows (about three rows per
person, one row in five without 本人ID, one in ten つなぐ, dates in 西暦 and 和暦 over ten fiscal
years), migrates the database, builds the demo world if it is missing, and imports the CSV into
つなぐ市's window and the xlsx into みなと市's, timing reading, checking and writing separately.
Target: ≤ 60 s per file. Use a database of its own: the script writes to it.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import sys
import time
import zipfile
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.generate_people import (
    GIVEN_NAMES_PATH,
    SURNAMES_PATH,
    WeightedChoice,
    load_names,
    setup_django,
)

TARGET_SECONDS = 60.0
HEADER = [
    "相談日", "相談方法", "相談者", "本人ID", "氏名", "フリガナ", "生年月日", "年齢", "性別",
    "相談内容", "対応", "つなぎ先種別", "つなぎ先", "メモ",
]  # fmt: skip
CHANNELS = ["電話"] * 5 + ["来所"] * 3 + ["来庁", "メール", "訪問", "TEL", "SNS"]
CONSULTERS = ["本人", "本人", "母", "父", "家族", "関係機関", "民生委員", "近所の人"]
CONTENTS = ["ひきこもり", "ひきこもり・就労", "家族関係", "病気", "収入・生活費", "不登校", ""]
AGENCIES = [
    ("つなぐ市社会福祉協議会", "社協"),
    ("つなぐ地域若者サポートステーション", "サポステ"),
    ("つなぐ保健センター", "保健センター"),
    ("ハローワークつなぐ", "ハローワーク"),
    ("つなぐクリニック", "医療機関"),
]


def generate_rows(count: int, seed: int = 6) -> list[list[str]]:
    """`count` rows of the import format, reproducible for a seed."""
    rng = random.Random(seed)
    surnames = WeightedChoice(load_names(SURNAMES_PATH))
    given_names = WeightedChoice(load_names(GIVEN_NAMES_PATH))
    first_day, days = date(2015, 4, 1), (date(2025, 3, 31) - date(2015, 4, 1)).days
    persons: list[list[str]] = []
    rows = []
    for index in range(count):
        day = first_day + timedelta(days=rng.randrange(days))
        if rng.random() < 0.2:
            person = ["", "", "", "", str(rng.randrange(15, 70)), ""]
        elif persons and rng.random() < 0.66:
            person = rng.choice(persons)
        else:
            surname, given = surnames.pick(rng), given_names.pick(rng)
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(365 * 55))
            person = [
                f"P{len(persons) + 1:06d}",
                f"{surname.text} {given.text}",
                f"{surname.reading} {given.reading}",
                birth.isoformat() if rng.random() < 0.7 else "",
                "",
                "男" if rng.random() < 0.7 else "女",
            ]
            if not person[3]:
                person[4] = str(rng.randrange(15, 70))
            persons.append(person)
        file_id, name, kana, birth, age, sex = person
        if birth and date.fromisoformat(birth) > day:
            day = date.fromisoformat(birth) + timedelta(days=365 * 15)
        disposition = rng.choice(["継続支援", "情報提供のみ", "情報提供のみ", "継続支援"])
        agency = ("", "")
        if rng.random() < 0.1:
            disposition = "つなぐ"
            agency = rng.choice(AGENCIES)
        rows.append(
            [
                _date_text(day, index),
                rng.choice(CHANNELS),
                rng.choice(CONSULTERS),
                file_id,
                name,
                kana,
                birth,
                "" if birth else age,
                sex,
                rng.choice(CONTENTS),
                disposition,
                agency[1],
                agency[0],
                "ベンチマーク" if index % 7 == 0 else "",
            ]
        )
    return rows


def _date_text(day: date, index: int) -> str:
    from tsunagu.dates import wareki

    style = index % 4
    if style == 0:
        return day.isoformat()
    if style == 1:
        return f"{day.year}/{day.month}/{day.day}"
    if style == 2:
        return wareki(day)
    return day.isoformat()


def csv_file(rows: list[list[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def xlsx_file(rows: list[list[str]], *, shared_strings: bool = True) -> bytes:
    """The rows as an xlsx; with `shared_strings`, text cells stored as Excel stores them."""
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append([value or None for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return _with_shared_strings(out.getvalue()) if shared_strings else out.getvalue()


_INLINE_STRING = re.compile(
    rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>'
)


def _with_shared_strings(content: bytes) -> bytes:
    """openpyxl writes every text cell inline (<is>); Excel and LibreOffice write a shared string
    table (xl/sharedStrings.xml). openpyxl reads inline strings several times slower, so the file
    is rewritten the way the offices' files are."""
    table: dict[bytes, int] = {}

    def shared(match: re.Match[bytes]) -> bytes:
        index = table.setdefault(match[2], len(table))
        return b'<c r="' + match[1] + b'" t="s"><v>' + str(index).encode() + b"</v></c>"

    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = _INLINE_STRING.sub(shared, data)
            elif item.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
                )
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdShared" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                    b"</Relationships>",
                )
            target.writestr(item, data)
        strings = b"".join(b"<si><t>" + text + b"</t></si>" for text in table)
        target.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="'
            + str(len(table)).encode()
            + b'" uniqueCount="'
            + str(len(table)).encode()
            + b'">'
            + strings
            + b"</sst>",
        )
    return out.getvalue()


def run(content: bytes, name: str, organisation_key: str, username: str) -> float:
    from django.db import connection

    from accounts.models import User
    from consultations.importing.planning import plan_import
    from consultations.importing.reading import read_sheet
    from consultations.importing.writing import file_digest, write_plan
    from consultations.models import ImportBatch

    user = User.objects.get(username=username)
    organisation = user.organisation
    assert organisation is not None, organisation_key
    load_before = os.getloadavg()[0]
    cpu_started = time.process_time()
    started = time.perf_counter()
    sheet = read_sheet(content, name)
    read_at = time.perf_counter()
    plan = plan_import(sheet, organisation, user)
    if plan.errors:
        raise SystemExit(f"{name}: {len(plan.errors)} errors, first: {plan.errors[0]}")
    planned_at = time.perf_counter()
    batch = ImportBatch(
        organisation=organisation,
        uploaded_by=user,
        file_name=name,
        sha256=file_digest(content),
        size=len(content),
    )
    write_plan(plan, batch, user=user)
    done = time.perf_counter()
    cpu = time.process_time() - cpu_started
    total = done - started
    summary = plan.summary()
    print(
        f"{connection.vendor} {name}: {len(sheet.rows):,} rows, "
        f"{summary['persons_new']:,} new persons, {summary['persons_linked']:,} linked, "
        f"{summary['persons_possible']:,} possible duplicates, "
        f"{summary['referrals']:,} referrals | "
        f"read {read_at - started:.1f} s, check+match {planned_at - read_at:.1f} s, "
        f"write {done - planned_at:.1f} s, total {total:.1f} s "
        f"({'OK' if total <= TARGET_SECONDS else 'OVER'} target {TARGET_SECONDS:.0f} s); "
        f"this process's CPU {cpu:.1f} s; load average {load_before:.1f} before, "
        f"{os.getloadavg()[0]:.1f} after (2 cores)",
        flush=True,
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--output", type=Path, default=Path("/tmp"))  # noqa: S108
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    rows = generate_rows(args.rows)
    csv_content, xlsx_content = csv_file(rows), xlsx_file(rows)
    csv_path = args.output / f"import_bench_{args.rows}.csv"
    xlsx_path = args.output / f"import_bench_{args.rows}.xlsx"
    csv_path.write_bytes(csv_content)
    xlsx_path.write_bytes(xlsx_content)
    print(
        f"generated {csv_path} ({len(csv_content) / 1e6:.1f} MB) and {xlsx_path} "
        f"({len(xlsx_content) / 1e6:.1f} MB) in {time.perf_counter() - started:.0f} s"
    )
    if args.generate_only:
        return
    setup_django()
    from django.core.management import call_command

    from accounts.demo import build_world
    from accounts.models import User
    from consultations.models import ImportBatch

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="soudan").exists():
        build_world(password="bench import password", demo=False)  # noqa: S106
    if ImportBatch.objects.exists():
        raise SystemExit("Use an empty database: this one already holds imports.")
    run(csv_content, csv_path.name, "window", "soudan")
    run(xlsx_content, xlsx_path.name, "minato", "minato")


if __name__ == "__main__":
    main()
