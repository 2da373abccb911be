"""Page and API list figures: median time, queries and size of each page, as each role sees it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu_pages_10000 \\
        .venv/bin/python bench/pages.py
    .venv/bin/python bench/pages.py --check --databases \\
        postgres://postgres@127.0.0.1:5432/tsunagu_pages_10 \\
        postgres://postgres@127.0.0.1:5432/tsunagu_pages_1000 \\
        postgres://postgres@127.0.0.1:5432/tsunagu_pages_10000

Run on a database filled by bench/generate_cases.py (N cases in つなぐ市's window). Each page of
PAGES is requested in this process through Django's test client as the persona named in its row
(signed in with force_login, the second factor passed as tsunagu.test.VerifiedClient does; the
API with a personal token issued for the run and revoked after it): --warmup requests first, then
--runs timed requests (median), then one more counting the queries
(django.test.utils.CaptureQueriesContext) so that counting does not slow the timed ones. Sizes are
the response body in KB (1,024 bytes). A page whose address does not resolve (not built yet) is
printed 「なし」.

With --databases the script runs itself once per database and prints one table; --check then
exits 1 when a page at the largest N is over LIMIT_MS median or LIMIT_KB, answers other than
200, or its query count differs between the databases (a list whose queries grow with its rows).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

if TYPE_CHECKING:
    from django.test import Client

    from accounts.models import User

LIMIT_MS = 100.0
LIMIT_KB = 200.0
DEFAULT_RUNS = 5
DEFAULT_WARMUP = 1
MISSING = "なし"


@dataclass(frozen=True)
class Page:
    """One row of the table: what is requested, by whom.

    `path` may name `{person}` and `{case}`: a person and a case of the window that `user` may
    see (page_context: soudan's first case, and its person). `api`: sent with the persona's
    token instead of the session.
    """

    label: str
    user: str
    path: str
    api: bool = False


# The homes of each role (accounts.demo.STAFF), then the records and lists. Add rows here.
HOME_PERSONAS = (
    "soudan",
    "houmon",
    "chousei",
    "admin",
    "toukei",
    "kansa",
    "ibasho",
    "supporter",
    "centre",
    "houkatsu",
    "minato",
)
PAGES: list[Page] = [
    *(Page(f"ホーム（{persona}）", persona, "/") for persona in HOME_PERSONAS),
    Page("本人", "soudan", "/persons/{person}/"),
    Page("ケース", "soudan", "/cases/{case}/"),
    Page("経過の時系列", "soudan", "/cases/{case}/timeline/"),
    Page("ケース一覧（機関）", "soudan", "/cases/?scope=organisation"),
    Page("見守りリスト（機関）", "soudan", "/watch/?scope=organisation"),
    Page("本人・家族の一覧", "soudan", "/persons/"),
    Page("本人・家族の検索（佐藤）", "soudan", "/persons/?q=佐藤"),
    Page("世帯の一覧", "soudan", "/households/"),
    Page("重複の候補", "chousei", "/persons/duplicates/"),
    Page("相談受付（今日）", "soudan", "/consultations/"),
    Page("つなぎの一覧", "soudan", "/referrals/"),
    Page("受けたつなぎ", "houkatsu", "/referrals/incoming/"),
    Page("お知らせ", "soudan", "/notifications/?show=all"),
    Page("会議の一覧", "soudan", "/meetings/"),
    Page("地域資源", "soudan", "/agencies/"),
    Page("共有されたケース", "soudan", "/shared/"),
    Page("専門的助言", "soudan", "/advice/"),
    Page("居場所の一覧", "soudan", "/ibasho/"),
    Page("監査ログ", "kansa", "/audit/"),
    Page("API ケース", "soudan", "/api/v1/cases", api=True),
    Page("API つなぎ", "soudan", "/api/v1/referrals", api=True),
    Page("API 本人の検索（佐藤）", "soudan", "/api/v1/persons?q=佐藤", api=True),
    Page("API 世帯", "soudan", "/api/v1/households", api=True),
    Page("API 相談受付", "soudan", "/api/v1/consultations", api=True),
    Page("API 地域資源", "soudan", "/api/v1/agencies", api=True),
]


@dataclass
class Figure:
    """What one page measured on one database; `status` 0 when the page does not exist."""

    label: str
    cases: int
    status: int
    median_ms: float = 0.0
    queries: int = 0
    kb: float = 0.0
    sql_ms: float = 0.0  # the database's share of the counted request (its queries' time)

    @property
    def missing(self) -> bool:
        return self.status == 0


# --- measuring, in this process -----------------------------------------------------------------


def bench_cases() -> int:
    """N: the cases of the demo window (where bench/generate_cases.py puts them)."""
    from accounts.demo import ORGANISATIONS
    from cases.models import Case

    window = next(name for key, name, *_ in ORGANISATIONS if key == "window")
    return Case.objects.filter(organisation__name=window).count()


def page_context(soudan: User) -> dict[str, int]:
    """The person and case the record pages show: soudan's first case, of the same shape at every
    N (bench/generate_cases.py, CasePlanner.showcase); else the window's first case."""
    from cases.models import Case

    window_cases = Case.objects.filter(
        organisation=soudan.organisation, person__isnull=False
    ).order_by("id")
    case = window_cases.filter(lead_worker=soudan).first() or window_cases.first()
    if case is None or case.person_id is None:
        raise SystemExit("the window holds no case: fill the database with generate_cases.py")
    return {"person": case.person_id, "case": case.pk}


class _Clients:
    """One signed-in client per persona; API tokens issued on first use, revoked by close()."""

    def __init__(self) -> None:
        from accounts.models import User

        self.users = {user.username: user for user in User.objects.all()}
        self.clients: dict[str, Client] = {}
        self.tokens: dict[str, tuple[Any, str]] = {}

    def client(self, username: str) -> Client:
        from tsunagu.test import VerifiedClient

        if username not in self.clients:
            client = VerifiedClient()
            client.force_login(self.users[username])
            self.clients[username] = client
        return self.clients[username]

    def headers(self, username: str, api: bool) -> dict[str, str]:
        from accounts.models import ApiToken

        if not api:
            return {}
        if username not in self.tokens:
            self.tokens[username] = ApiToken.issue(self.users[username])
        return {"Authorization": f"Bearer {self.tokens[username][1]}"}

    def close(self) -> None:
        from django.utils import timezone

        from accounts.models import ApiToken

        ApiToken.objects.filter(pk__in=[token.pk for token, _ in self.tokens.values()]).update(
            revoked_at=timezone.now()
        )


def exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path.split("?", 1)[0])
    except Resolver404:
        return False
    return True


def measure_page(
    clients: _Clients, page: Page, context: dict[str, int], *, cases: int, runs: int, warmup: int
) -> Figure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    path = page.path.format(**context)
    if not exists(path):
        return Figure(page.label, cases, status=0)
    client = clients.client(page.user)
    headers = clients.headers(page.user, page.api)
    for _ in range(warmup):
        client.get(path, headers=headers)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, headers=headers)
    return Figure(
        page.label,
        cases,
        status=response.status_code,
        median_ms=round(statistics.median(times), 1),
        queries=len(queries),
        kb=round(len(response.content) / 1024, 1),
        sql_ms=round(sum(float(query["time"]) for query in queries.captured_queries) * 1000, 1),
    )


def measure(
    pages: Sequence[Page] = PAGES, *, runs: int = DEFAULT_RUNS, warmup: int = DEFAULT_WARMUP
) -> list[Figure]:
    """Every page of `pages` on the current database (Django set up, `testserver` allowed)."""
    clients = _Clients()
    try:
        cases = bench_cases()
        context = page_context(clients.users["soudan"])
        return [
            measure_page(clients, page, context, cases=cases, runs=runs, warmup=warmup)
            for page in pages
        ]
    finally:
        clients.close()


# --- judging and printing -----------------------------------------------------------------------


def problems(figures: Sequence[Figure]) -> list[str]:
    """What --check fails on: over the limits at the largest N, not 200, queries that vary."""
    found = []
    largest = max((f.cases for f in figures), default=0)
    by_page: dict[str, list[Figure]] = {}
    for figure in figures:
        if not figure.missing:
            by_page.setdefault(figure.label, []).append(figure)
    for label, rows in by_page.items():
        for row in rows:
            if row.status != 200:
                found.append(f"{label} (N={row.cases:,}): HTTP {row.status}")
            if row.cases == largest and row.median_ms > LIMIT_MS:
                found.append(f"{label} (N={row.cases:,}): {row.median_ms} ms > {LIMIT_MS:.0f} ms")
            if row.cases == largest and row.kb > LIMIT_KB:
                found.append(f"{label} (N={row.cases:,}): {row.kb} KB > {LIMIT_KB:.0f} KB")
        counts = {row.cases: row.queries for row in rows}
        if len(set(counts.values())) > 1:
            shown = ", ".join(f"N={n:,}: {q}" for n, q in sorted(counts.items()))
            found.append(f"{label}: queries differ ({shown})")
    return found


def table(figures: Sequence[Figure], *, markdown: bool = False) -> str:
    """page, N, median ms, queries, KB (and the SQL ms of the counted request); pages in PAGES
    order, then by N."""
    order = {page.label: i for i, page in enumerate(PAGES)}
    rows = sorted(figures, key=lambda f: (order.get(f.label, len(order)), f.label, f.cases))
    header = ("ページ", "N", "中央値 ms", "クエリ", "KB", "SQL ms")
    cells = [header]
    for f in rows:
        if f.missing:
            cells.append((f.label, f"{f.cases:,}", MISSING, MISSING, MISSING, MISSING))
            continue
        ms = f"{f.median_ms:.1f}" if f.status == 200 else f"HTTP {f.status}"
        cells.append(
            (f.label, f"{f.cases:,}", ms, str(f.queries), f"{f.kb:.1f}", f"{f.sql_ms:.1f}")
        )
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|---:|---:|---:|---:|---:|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
    width = max(_width(row[0]) for row in cells)
    return "\n".join(
        _pad(row[0], width) + "".join(f"{cell:>11}" for cell in row[1:]) for row in cells
    )


def wide_table(figures: Sequence[Figure], *, markdown: bool = False) -> str:
    """One row per page, ms / queries / KB side by side for each N (the README's form)."""
    sizes = sorted({f.cases for f in figures})
    order = {page.label: i for i, page in enumerate(PAGES)}
    labels = sorted({f.label for f in figures}, key=lambda label: (order.get(label, 999), label))
    found = {(f.label, f.cases): f for f in figures}
    header = ["ページ", *(f"{n:,} 件: ms / クエリ / KB" for n in sizes)]
    cells = [header]
    for label in labels:
        row = [label]
        for n in sizes:
            f = found.get((label, n))
            if f is None or f.missing:
                row.append(MISSING)
            elif f.status != 200:
                row.append(f"HTTP {f.status}")
            else:
                row.append(f"{f.median_ms:.1f} / {f.queries} / {f.kb:.1f}")
        cells.append(row)
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(sizes)]
        lines += ["| " + " | ".join(row) + " |" for row in cells[1:]]
        return "\n".join(lines)
    width = max(_width(row[0]) for row in cells)
    return "\n".join(
        _pad(row[0], width) + "".join(f"{cell:>26}" for cell in row[1:]) for row in cells
    )


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=DEFAULT_RUNS, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=DEFAULT_WARMUP)
    parser.add_argument(
        "--databases", nargs="+", metavar="URL", help="measure each (DATABASE_URL) and compare"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 if a page misses a target")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--wide", action="store_true", help="one row per page, the sizes beside")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON lines")
    parser.add_argument("--save", type=Path, help="also write the figures to this JSON lines file")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def measure_here(args: argparse.Namespace) -> list[Figure]:
    from bench.generate_people import setup_django

    setup_django()
    from django.conf import settings

    if settings.PRODUCTION:
        raise SystemExit(
            "本番環境では実行できません。/ Refusing to run with TSUNAGU_ENV=production."
        )
    # The test client's host. Not django.test.utils.setup_test_environment: it instruments
    # template rendering, and the client would then copy the context of every template rendered
    # (each include in a loop of 10,000 rows), which is not what a server does.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    return measure(runs=args.runs, warmup=args.warmup)


def measure_elsewhere(url: str, args: argparse.Namespace) -> list[Figure]:
    """Run this script on another database (its own process: settings read the URL once)."""
    command = [sys.executable, __file__, "--json", f"--runs={args.runs}", f"--warmup={args.warmup}"]
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise SystemExit(f"{url}: {done.stderr.strip()}")
    return [Figure(**json.loads(line)) for line in done.stdout.splitlines() if line.strip()]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    started, load_before = datetime.now(UTC), os.getloadavg()[0]
    if args.databases:
        figures = [f for url in args.databases for f in measure_elsewhere(url, args)]
    else:
        figures = measure_here(args)
    machine = (
        f"{started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, 1-minute load average "
        f"{load_before:.1f} → {os.getloadavg()[0]:.1f}, median of {args.runs} after {args.warmup}"
    )
    lines = [json.dumps(asdict(figure), ensure_ascii=False) for figure in figures]
    if args.save:
        args.save.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    if args.json:
        print("\n".join(lines))
        return 0
    print(machine)
    print((wide_table if args.wide else table)(figures, markdown=args.markdown))
    found = problems(figures)
    if found:
        print("\n目標に届いていないもの / over target:")
        print("\n".join(f"- {line}" for line in found))
    return 1 if args.check and found else 0


if __name__ == "__main__":
    sys.exit(main())
