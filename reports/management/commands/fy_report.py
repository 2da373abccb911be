"""manage.py fy_report --fiscal-year 2017 [--organisation ID | --municipality CODE |
--prefecture CODE] --format json|xlsx|csv|pdf [--output PATH]"""

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import LocalGovernment
from reports import exports
from reports.scope import (
    MUNICIPALITY,
    ORGANISATION,
    PREFECTURE,
    ReportScope,
    ScopeNotFound,
    find_scope,
    prefecture_scope,
)
from reports.services import tables_for, trend_years
from reports.tables import REPORT_TABLES

FORMATS = ("json", "xlsx", "csv", "pdf")


class Command(BaseCommand):
    help = (
        f"年度の公式集計（{'・'.join(table.label for table in REPORT_TABLES)}）を出力します。"
        "範囲を省略すると、登録された唯一の都道府県です。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--fiscal-year", type=int, required=True, help="年度（西暦、例: 2017）")
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--organisation", help="機関 ID")
        scope.add_argument("--municipality", help="市区町村の全国地方公共団体コード（6桁）")
        scope.add_argument("--prefecture", help="都道府県の全国地方公共団体コード（6桁）")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--encoding", choices=tuple(exports.CSV_ENCODINGS), default="utf-8")
        parser.add_argument("--output", help="出力先のファイル（省略時は標準出力）")
        parser.add_argument("--no-cache", action="store_true", help="キャッシュを使わずに集計する")

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["fiscal_year"]
        if not 1989 <= year <= 2100:
            raise CommandError(f"年度 {year} は扱えません（1989〜2100 の西暦で指定してください）。")
        scope = self.scope(options)
        fmt: str = options["format"]
        years = trend_years(year) if fmt in ("xlsx", "pdf") else [year]
        results = tables_for(scope, years, use_cache=not options["no_cache"])
        result = results[year]
        trend = [results[y].total for y in years]
        if fmt == "json":
            data = json.dumps(result.total.as_json(), ensure_ascii=False, indent=2).encode() + b"\n"
        elif fmt == "csv":
            data = exports.csv_bytes(scope, result, options["encoding"])
        elif fmt == "xlsx":
            data = exports.xlsx_bytes(scope, result, trend)
        else:
            data = exports.pdf_bytes(scope, result, trend)
        self.write(data, options["output"], fmt)

    def scope(self, options: dict[str, Any]) -> ReportScope:
        for kind, option in ((ORGANISATION, "organisation"), (MUNICIPALITY, "municipality")):
            if options[option]:
                return self.find(kind, options[option])
        if options["prefecture"]:
            return self.find(PREFECTURE, options["prefecture"])
        prefectures = list(LocalGovernment.objects.filter(kind=LocalGovernment.Kind.PREFECTURE))
        if len(prefectures) != 1:
            raise CommandError(
                "集計の範囲を --organisation / --municipality / --prefecture で指定してください。"
            )
        return prefecture_scope(prefectures[0])

    def find(self, kind: str, key: str) -> ReportScope:
        try:
            return find_scope(kind, key)
        except ScopeNotFound as error:
            raise CommandError(str(error)) from error

    def write(self, data: bytes, output: str | None, fmt: str) -> None:
        if output:
            Path(output).write_bytes(data)
            self.stderr.write(f"{output} に出力しました（{len(data):,} バイト）。")
            return
        if fmt in ("xlsx", "pdf") and sys.stdout.isatty():
            raise CommandError(f"{fmt} は --output でファイルを指定してください。")
        self.stdout.flush()
        stream = getattr(self.stdout, "_out", sys.stdout)
        buffer = getattr(stream, "buffer", None)
        if buffer is not None:
            buffer.write(data)
        else:
            stream.write(data.decode("utf-8", errors="replace"))
