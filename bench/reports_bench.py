"""Tables A+B+C of one fiscal year for a whole prefecture: tsunagu's code against raw SQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu_reports_bench \
        .venv/bin/python bench/reports_bench.py --fiscal-year 2017 --prefecture 980005 --runs 5

Both sides run on the same data in the same process, alternately, without the report cache:
- tsunagu: `reports.services.compute` (the path of the page, the command and the background task
  on a cache miss): the scope's organisations, the first-contact query for table A, one statement
  of grouped counts for table B mapped through consultations/channels.py, one for table C, each
  grouped by organisation and summed by municipality in Python.
- raw: the best plain SQL for the same totals, as a DBA would write it: the same single sort for
  each person's first contact (ROW_NUMBER flagged as a boolean, see docs/reports.md), the birth date
  joined to first contacts only, `age()`, the channel mapping as a CASE, and no per-organisation
  grouping (it only gives the prefecture's total, so it does less than tsunagu).
The figures of both must be equal; the script stops if they differ. Prints the median times.
"""

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")

import django

django.setup()

from django.db import connection  # noqa: E402

from reports.scope import find_scope  # noqa: E402
from reports.services import compute  # noqa: E402

RAW_A = """
SELECT CASE WHEN age IS NULL OR age < 0 THEN '年齢不明' WHEN age < 20 THEN '10代'
            WHEN age < 30 THEN '20代' WHEN age < 40 THEN '30代' WHEN age < 50 THEN '40代'
            ELSE '50代以上' END AS band, SUM(n)
FROM (
 SELECT age, COUNT(*) AS n FROM (
  SELECT CASE WHEN p.birth_date IS NULL THEN f.age WHEN f.day < p.birth_date THEN -1
         ELSE date_part('year', age(f.day::timestamp, p.birth_date::timestamp))::int END AS age
  FROM (
    SELECT who, day, age FROM (
      SELECT who, day, age,
             ROW_NUMBER() OVER (PARTITION BY who ORDER BY at, src, rid) = 1 AS is_first
      FROM (
        SELECT c.person_id AS who, c.received_at AS at, 0 AS src, c.id AS rid,
               (c.received_at AT TIME ZONE 'Asia/Tokyo')::date AS day, c.age_at_contact AS age
        FROM consultations_consultation c
        WHERE c.organisation_id = ANY(%(orgs)s::bigint[])
          AND c.received_at >= %(start)s AND c.received_at < %(end)s
        UNION ALL
        SELECT k.person_id, a.occurred_at, 1, a.id,
               (a.occurred_at AT TIME ZONE 'Asia/Tokyo')::date, NULL
        FROM cases_activity a JOIN cases_case k ON k.id = a.case_id
        WHERE k.organisation_id = ANY(%(orgs)s::bigint[]) AND a.occurred_at >= %(start)s
          AND a.occurred_at < %(end)s AND a.kind = ANY(%(kinds)s) AND k.person_id IS NOT NULL
      ) contacts
    ) ranked WHERE is_first
  ) f JOIN people_person p ON p.id = f.who
 ) firsts GROUP BY age
) ages
GROUP BY band
"""

RAW_B = """
SELECT method, SUM(n) FROM (
  SELECT CASE channel WHEN 'phone' THEN '電話' WHEN 'email' THEN 'メール' WHEN 'sns' THEN 'メール'
         WHEN 'fax' THEN 'メール' WHEN 'visit' THEN '来所' WHEN 'online' THEN '来所'
         ELSE '訪問等' END AS method, COUNT(*) AS n
  FROM consultations_consultation
  WHERE organisation_id = ANY(%(orgs)s::bigint[])
    AND received_at >= %(start)s AND received_at < %(end)s
  GROUP BY channel
  UNION ALL
  SELECT CASE a.kind WHEN 'phone' THEN '電話' WHEN 'email_sns' THEN 'メール'
         WHEN 'interview' THEN '来所' ELSE '訪問等' END, COUNT(*)
  FROM cases_activity a JOIN cases_case k ON k.id = a.case_id
  WHERE k.organisation_id = ANY(%(orgs)s::bigint[]) AND a.occurred_at >= %(start)s
    AND a.occurred_at < %(end)s AND a.kind = ANY(%(kinds)s)
  GROUP BY a.kind
) counted GROUP BY method
"""

RAW_C = """
SELECT g.category, COUNT(*)
FROM collaboration_referral r JOIN collaboration_agency g ON g.id = r.agency_id
WHERE r.organisation_id = ANY(%(orgs)s::bigint[]) AND r.referred_on BETWEEN %(first)s AND %(last)s
  AND r.state <> 'failed'
GROUP BY g.category
"""


def raw_tables(org_ids: list[int], year: int) -> dict[str, dict[str, int]]:
    from reports.aggregation import COUNTED_ACTIVITY_KINDS, fiscal_year_bounds
    from reports.columns import AGENCY_LABELS
    from tsunagu.dates import fiscal_year_range

    start, end = fiscal_year_bounds(year)
    first, last = fiscal_year_range(year)
    params = {
        "orgs": org_ids,
        "start": start,
        "end": end,
        "first": first,
        "last": last,
        "kinds": list(COUNTED_ACTIVITY_KINDS),
    }
    result: dict[str, dict[str, int]] = {}
    with connection.cursor() as cursor:
        for key, sql in (("a", RAW_A), ("b", RAW_B), ("c", RAW_C)):
            cursor.execute(sql, params)
            counts: Counter[str] = Counter()
            for column, count in cursor.fetchall():
                counts[AGENCY_LABELS.get(column, column)] += int(count)
            result[key] = {k: v for k, v in counts.items() if v}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fiscal-year", type=int, default=2017)
    parser.add_argument("--prefecture", default="980005")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    scope = find_scope("prefecture", args.prefecture)
    year = args.fiscal_year
    timings: dict[str, list[float]] = {"tsunagu": [], "raw": []}
    for run in range(args.runs + 1):  # the first round warms the caches and is not counted
        started = time.perf_counter()
        ours = compute(scope, year).total
        ours_time = time.perf_counter() - started
        started = time.perf_counter()
        raw = raw_tables(list(scope.organisation_ids), year)
        raw_time = time.perf_counter() - started
        mine = {t.key: {k: v for k, v in t.counts.items() if v} for t in ours.tables}
        if mine != raw:
            sys.exit(f"figures differ:\n tsunagu {mine}\n raw     {raw}")
        if run:
            timings["tsunagu"].append(ours_time)
            timings["raw"].append(raw_time)
    tsunagu, raw_median = (statistics.median(timings[k]) for k in ("tsunagu", "raw"))
    print(f"{ours.label} {scope.label}: {len(scope.organisation_ids)} organisations")
    print("  " + ", ".join(f"{t.definition.label} 合計 {t.total:,}" for t in ours.tables))
    for name, key, median in (("tsunagu", "tsunagu", tsunagu), ("raw SQL", "raw", raw_median)):
        runs = ", ".join(f"{t:.3f}" for t in timings[key])
        print(f"  {name:<8} median {median:.3f} s  (runs: {runs})")
    verdict = "met" if tsunagu < 3 else "NOT met"
    print(f"  ratio {tsunagu / raw_median:.2f}x (target <= 1.2x); under 3 s: {verdict}")


if __name__ == "__main__":
    main()
