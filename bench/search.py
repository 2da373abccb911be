"""Latency and recall of people.search.search_persons on the benchmark persons.

    .venv/bin/python bench/search.py                 # after bench/generate_people.py

Runs, as a consultation worker of ベンチマーク用機関, ground-truth queries (bench/generate_people.py
wrote them with the expected person) and random one-to-three-character queries (the first
characters of a surname or given name, in kanji, hiragana or katakana) through
``search_persons(persons_for_search(user, Person.objects.current()), q)`` (the scope the search
pages and the API use) and prints p50/p95/max latency
for keys of 3+ characters, of 1–2 characters and for all.

Recall@10: a ground-truth query counts as found when its expected person is among the first ten
hits, or when all ten hits are persons it cannot tell apart from the expected one (same written
name for a kanji query, same reading for a kana query, same mixed spelling for a mixed one): at
two million persons there are a hundred 高橋健太, and a name alone cannot pick one. The strict
figure (expected id in the first ten) is printed next to it.

On PostgreSQL every query is also run as one hand-written SQL query on the same keys
(``LIKE '%key%'`` or ``key <% search_text``, ordered by word_similarity, LIMIT 50) and the ratio
p95(search_persons) / p95(raw) is printed.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The repository root is put on sys.path first, so that this runs as a script.
from bench.generate_people import (
    BENCH_ORGANISATION_NAME,
    GIVEN_NAMES_PATH,
    SURNAMES_PATH,
    WeightedChoice,
    ground_truth_files,
    load_names,
    setup_django,
    to_hiragana,
)

if TYPE_CHECKING:
    from accounts.models import Organisation, User
    from people.models import Person

BENCH_USERNAME = "bench-worker"
TOP = 10
LIMIT = 50
SHORT = 3  # keys shorter than a trigram take the unindexed path

TARGETS = {
    # vendor: (persons at which the target applies, p95 ms, max ratio to raw SQL or None)
    "postgresql": (2_000_000, 30.0, 1.5),
    "sqlite": (100_000, 50.0, None),
}
RECALL_TARGET = 0.98


@dataclass(frozen=True, slots=True)
class BenchQuery:
    text: str
    kind: str  # a ground-truth kind, or "short"
    detail: str = ""
    match: str = ""
    person_id: int | None = None


@dataclass
class Timings:
    search: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    raw: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    slowest: list[tuple[float, str]] = field(default_factory=list)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def match_key(person: Person, match: str) -> str:
    """The key a query of this `match` kind sees; persons with equal keys are indistinguishable."""
    from people.names import name_key

    spellings: dict[str, Callable[[Person], str]] = {
        "name": lambda p: p.full_name,
        "reading": lambda p: p.full_name_kana,
        "family_name+given_reading": lambda p: p.family_name + p.given_name_kana,
        "family_reading+given_name": lambda p: p.family_name_kana + p.given_name,
    }
    return name_key(spellings[match](person))


def bench_user(organisation: Organisation) -> User:
    from accounts.models import StaffRole, User
    from accounts.roles import Role

    user, created = User.objects.get_or_create(
        username=BENCH_USERNAME,
        defaults={"display_name": "ベンチ 計測", "organisation": organisation},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    StaffRole.objects.get_or_create(user=user, role=Role.CONSULTATION_WORKER)
    return user


def load_ground_truth(paths: Sequence[Path]) -> list[BenchQuery]:
    queries = []
    for path in paths:
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                row = json.loads(line)
                queries.append(
                    BenchQuery(
                        row["query"], row["kind"], row["detail"], row["match"], row["person_id"]
                    )
                )
    return queries


def short_queries(rng: random.Random, count: int) -> list[BenchQuery]:
    """The first 1–3 characters of a surname or given name, as kanji, hiragana or katakana."""
    surnames = WeightedChoice(load_names(SURNAMES_PATH))
    given = WeightedChoice(load_names(GIVEN_NAMES_PATH))
    queries = []
    for _ in range(count):
        entry = (surnames if rng.random() < 0.7 else given).pick(rng)
        text = rng.choice((entry.text, to_hiragana(entry.reading), entry.reading))
        queries.append(BenchQuery(text[: rng.randint(1, 3)], "short"))
    return queries


class RawTrigramSearch:
    """One hand-written pg_trgm query on the keys search_persons uses."""

    def __init__(self, organisation: Organisation) -> None:
        from django.db import connection

        from people.models import Person

        self.connection = connection
        self.organisation_id = organisation.pk
        qn = connection.ops.quote_name
        self.table = qn(Person._meta.db_table)
        self.columns = ", ".join(qn(f.column) for f in Person._meta.concrete_fields)

    def sql(self, keys: Sequence[str]) -> tuple[str, list[Any]]:
        conditions, params = [], []
        for key in keys:
            conditions.append("search_text LIKE %s")
            params.append("%" + _like_escape(key) + "%")
        for key in keys:
            if len(key) >= SHORT:
                conditions.append("%s <%% search_text")
                params.append(key)
        sql = (
            f"SELECT {self.columns} FROM {self.table} "  # noqa: S608
            "WHERE organisation_id = %s AND merged_into_id IS NULL "
            f"AND ({' OR '.join(conditions)}) "
            "ORDER BY word_similarity(%s, search_text) DESC, name_key, id "
            f"LIMIT {LIMIT}"
        )
        return sql, [self.organisation_id, *params, keys[0]]

    def run(self, keys: Sequence[str]) -> list[tuple[Any, ...]]:
        sql, params = self.sql(keys)
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


def _like_escape(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=500, help="ground-truth queries to run")
    parser.add_argument("--short", type=int, default=200, help="random 1–3 character queries")
    parser.add_argument("--warmup", type=int, default=50, help="untimed queries first")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ground-truth", type=Path, nargs="*", help="default: all of this db's")
    parser.add_argument("--no-raw", action="store_true", help="PostgreSQL: skip the raw query")
    args = parser.parse_args(argv)

    setup_django()
    from django.db import connection

    from accounts.models import Organisation
    from people.access import persons_for_search
    from people.models import Person
    from people.search import query_keys, search_persons

    organisation = Organisation.objects.filter(name=BENCH_ORGANISATION_NAME).first()
    if organisation is None:
        print("no benchmark organisation: run bench/generate_people.py first", file=sys.stderr)
        return 2
    user = bench_user(organisation)
    scope = persons_for_search(user, Person.objects.current())
    total = scope.count()
    paths = args.ground_truth
    if not paths:
        directory, pattern = ground_truth_files()
        paths = sorted(directory.glob(pattern))
    ground_truth = load_ground_truth(paths)
    expected = scope.in_bulk({q.person_id for q in ground_truth})
    missing = sum(1 for q in ground_truth if q.person_id not in expected)
    ground_truth = [q for q in ground_truth if q.person_id in expected]
    if not ground_truth:
        print(f"no ground truth for this database in {paths or pattern}", file=sys.stderr)
        return 2

    rng = random.Random(args.seed)
    picked = rng.sample(ground_truth, min(len(ground_truth), args.queries + args.warmup))
    warmup, measured = picked[: args.warmup], picked[args.warmup :]
    shorts = short_queries(rng, args.short + args.warmup // 5)
    warmup += shorts[args.short :]
    measured += shorts[: args.short]
    rng.shuffle(measured)

    raw = None
    if connection.vendor == "postgresql" and not args.no_raw:
        raw = RawTrigramSearch(organisation)

    for query in warmup:
        search_persons(scope, query.text, limit=LIMIT)
        if raw:
            raw.run(query_keys(query.text))

    timings = Timings()
    found = defaultdict(lambda: [0, 0, 0])  # kind → [equivalent-found, strict-found, total]
    for query in measured:
        keys = query_keys(query.text)
        length = "3+" if len(keys[0]) >= SHORT else "1-2"
        started = time.perf_counter()
        hits = search_persons(scope, query.text, limit=LIMIT)
        elapsed = (time.perf_counter() - started) * 1000
        timings.search[length].append(elapsed)
        timings.slowest.append((elapsed, query.text))
        if raw:
            started = time.perf_counter()
            raw.run(keys)
            timings.raw[length].append((time.perf_counter() - started) * 1000)
        if query.person_id is None:
            continue
        top = [hit.person for hit in hits[:TOP]]
        strict = any(person.pk == query.person_id for person in top)
        wanted = match_key(expected[query.person_id], query.match)
        alike = len(top) == TOP and all(match_key(person, query.match) == wanted for person in top)
        label = f"{query.kind}:{query.detail}" if query.detail else query.kind
        for name in (label, "all"):
            found[name][0] += strict or alike
            found[name][1] += strict
            found[name][2] += 1

    report(connection, total, missing, timings, found)
    return 0


def report(
    connection: Any,
    total: int,
    missing: int,
    timings: Timings,
    found: dict[str, list[int]],
) -> None:
    from django.utils import timezone

    vendor = connection.vendor
    version = _server_version(connection)
    name = Path(str(connection.settings_dict["NAME"])).name
    print(f"{timezone.localdate()}  {vendor} {version} ({name}), {total:,} persons in scope")
    if missing:
        print(f"  ({missing} ground-truth queries skipped: their person no longer exists)")
    print(f"{'latency ms':<22}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
    p95: dict[tuple[str, str], float] = {}
    for label, series in (("search_persons", timings.search), ("raw pg_trgm SQL", timings.raw)):
        if not series:
            continue
        series = {**series, "all": [v for values in series.values() for v in values]}
        for length in ("3+", "1-2", "all"):
            values = series.get(length, [])
            if not values:
                continue
            p95[label, length] = percentile(values, 0.95)
            print(
                f"{label + ' ' + length:<22}{len(values):>6}{percentile(values, 0.5):>9.1f}"
                f"{p95[label, length]:>9.1f}{max(values):>9.1f}"
            )
    ratio = None
    if ("raw pg_trgm SQL", "all") in p95:
        ratios = {
            length: p95["search_persons", length] / p95["raw pg_trgm SQL", length]
            for length in ("3+", "1-2", "all")
            if ("raw pg_trgm SQL", length) in p95
        }
        ratio = ratios["all"]
        shown = ", ".join(f"{length} {value:.2f}" for length, value in ratios.items())
        print(f"ratio p95 search_persons / raw SQL: {shown}")
    print(f"{'recall@10':<30}{'found':>8}{'strict':>8}{'n':>6}")
    for kind in sorted(found, key=lambda k: (k == "all", k)):
        ok, strict, n = found[kind]
        print(f"{kind:<30}{ok / n:>8.3f}{strict / n:>8.3f}{n:>6}")
    slowest = sorted(timings.slowest, reverse=True)[:5]
    print("slowest: " + ", ".join(f"{text!r} {ms:.0f} ms" for ms, text in slowest))

    target = TARGETS.get(vendor)
    if target:
        at, p95_target, ratio_target = target
        scale = "" if total >= at * 0.95 else f" (target is for {at:,} persons; this is {total:,})"
        measured = p95["search_persons", "all"]
        verdicts = [f"p95 {measured:.1f} ms ≤ {p95_target:.0f}: {_ok(measured <= p95_target)}"]
        if ratio_target and ratio is not None:
            verdicts.append(f"ratio {ratio:.2f} ≤ {ratio_target}: {_ok(ratio <= ratio_target)}")
        recall = found["all"][0] / found["all"][2]
        verdicts.append(f"recall {recall:.3f} ≥ {RECALL_TARGET}: {_ok(recall >= RECALL_TARGET)}")
        print("targets" + scale + ": " + "; ".join(verdicts))


def _ok(passed: bool) -> str:
    return "met" if passed else "MISSED"


def _server_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0]).split()[0]


if __name__ == "__main__":
    sys.exit(main())
