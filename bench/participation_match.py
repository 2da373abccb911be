"""P5: the top 10 offers for a person with their reasons, from 10,000 offers of 3,000 hosts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu_match \\
        .venv/bin/python bench/participation_match.py --runs 100

Generates (once; again only with --reset) ベンチ県 with 30 municipalities, the prefecture's
centre that owns and shares 3,000 hosts (85 % 受入可) of every kind across the municipalities,
10,000 offers with varied conditions, weekdays, hours and places, and 3,000 active placements
(cases of a window of the prefecture) that fill some offers. Then times, warm, alternately:
- tsunagu: `participation.matching.rank_offers` for a worker of the window (the query over
  `visible_offers`, the places free by subquery, the score by CASE sums, ORDER BY, LIMIT 10, and
  the reasons and unmet conditions of the ten rows in Python);
- raw: the same WHERE + ORDER BY + LIMIT written by hand as one SQL statement (no reasons).
Both must list the same ten offers. Prints p50 / p95 in ms and the ratio. PostgreSQL only.
"""

import argparse
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.codes import with_check_digit  # noqa: E402
from accounts.models import (  # noqa: E402
    LocalGovernment,
    Organisation,
    OrganisationType,
    StaffRole,
    User,
)
from accounts.roles import Role  # noqa: E402
from cases.models import Case  # noqa: E402
from participation.matching import OUTING_NEEDS, Wishes, rank_offers  # noqa: E402
from participation.models import (  # noqa: E402
    ACTIVE_STAGES,
    Host,
    HostKind,
    HostStatus,
    Offer,
    OfferKind,
    Placement,
)
from people.models import Person  # noqa: E402
from supporters.models import Weekday  # noqa: E402

PREFECTURE_CODE = with_check_digit("97000")
CENTRE_NAME = "ベンチ県ひきこもり地域支援センター"
WINDOW_NAME = "ベンチ市 ひきこもり相談窓口"
USERNAME = "bench_match"
HOSTS, OFFERS, PLACEMENTS, MUNICIPALITIES = 3000, 10000, 3000, 30
CONDITIONS = Offer.CONDITION_FIELDS
# A person who goes to the corner shop (近所のコンビニなどには出かける): the assessment's needs,
# two weekdays and at most four hours a week.
WISHES = Wishes(
    weekdays=("mon", "thu"),
    max_hours_per_week=Decimal(4),
    needs=OUTING_NEEDS["neighbourhood"],
)

RAW = """
SELECT o.id
FROM participation_offer o
JOIN participation_host h ON h.id = o.host_id
JOIN accounts_organisation g ON g.id = h.owner_id
JOIN accounts_localgovernment l ON l.id = g.local_government_id
WHERE (h.owner_id = %(org)s
       OR (h.shared_in_prefecture
           AND (g.local_government_id = %(pref)s OR l.prefecture_id = %(pref)s)))
  AND o.is_active AND h.status = 'accepting'
  AND o.places - COALESCE((SELECT COUNT(*) FROM participation_placement p
                           WHERE p.offer_id = o.id AND p.stage = ANY(%(stages)s)), 0) > 0
ORDER BY (CASE WHEN o.accompaniment_possible THEN 10 ELSE 0 END
        + CASE WHEN o.starts_with_one_hour THEN 10 ELSE 0 END
        + CASE WHEN o.quiet_room THEN 10 ELSE 0 END
        + CASE WHEN o.no_customer_contact THEN 10 ELSE 0 END
        + CASE WHEN o.weekdays::text LIKE '%%"mon"%%' OR o.weekdays::text LIKE '%%"thu"%%'
               THEN 5 ELSE 0 END
        + CASE WHEN o.min_hours_per_week IS NULL OR o.min_hours_per_week <= 4 THEN 5 ELSE 0 END)
         DESC, h.name, o.title, o.id
LIMIT 10
"""


def ensure_world() -> tuple[LocalGovernment, Organisation, Organisation, User]:
    pref, _ = LocalGovernment.objects.get_or_create(
        code=PREFECTURE_CODE, defaults={"name": "ベンチ県", "kind": "prefecture"}
    )
    city, _ = LocalGovernment.objects.get_or_create(
        code=with_check_digit("97201"),
        defaults={"name": "ベンチ市", "kind": "municipality", "prefecture": pref},
    )
    centre, _ = Organisation.objects.get_or_create(
        name=CENTRE_NAME,
        defaults={"type": OrganisationType.HIKIKOMORI_CENTRE, "local_government": pref},
    )
    window, _ = Organisation.objects.get_or_create(
        name=WINDOW_NAME,
        defaults={"type": OrganisationType.MUNICIPAL_WINDOW, "local_government": city},
    )
    user, _ = User.objects.get_or_create(
        username=USERNAME, defaults={"display_name": "ベンチ 職員", "organisation": window}
    )
    StaffRole.objects.get_or_create(user=user, role=Role.CONSULTATION_WORKER)
    return pref, centre, window, user


def reset(centre: Organisation, window: Organisation) -> None:
    Placement.objects.filter(offer__host__owner=centre).delete()
    Offer.objects.filter(host__owner=centre).delete()
    Host.objects.filter(owner=centre).delete()
    Case.objects.filter(organisation=window).delete()
    Person.objects.filter(organisation=window).delete()


@transaction.atomic
def generate(centre: Organisation, window: Organisation, user: User, seed: int) -> None:
    rng = random.Random(f"participation-match-{seed}")
    towns = [f"ベンチ県第{n}市" for n in range(1, MUNICIPALITIES + 1)]
    statuses = [HostStatus.ACCEPTING] * 17 + [
        HostStatus.DEVELOPING,
        HostStatus.PAUSED,
        HostStatus.PAUSED,
    ]
    hosts = Host.objects.bulk_create(
        Host(
            owner=centre,
            shared_in_prefecture=True,
            name=f"{rng.choice(HostKind.labels)} {n:04d}",
            kind=rng.choice(HostKind.values),
            status=rng.choice(statuses),
            address=f"{rng.choice(towns)}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}",
            nearest_station=f"{rng.choice(towns)}駅",
            created_by=user,
        )
        for n in range(HOSTS)
    )
    offers = Offer.objects.bulk_create(
        Offer(
            host=rng.choice(hosts),
            kind=rng.choice(OfferKind.values),
            title=f"受入メニュー {n:05d}",
            tasks="切り出した作業",
            weekdays=sorted(rng.sample(Weekday.values, rng.randint(0, 4))),
            min_hours_per_week=rng.choice([None, Decimal(1), Decimal(2), Decimal(4), Decimal(10)]),
            places=rng.randint(1, 3),
            paid=rng.random() < 0.3,
            is_active=rng.random() < 0.9,
            created_by=user,
            **{name: rng.random() < 0.35 for name in CONDITIONS},
        )
        for n in range(OFFERS)
    )
    persons = Person.objects.bulk_create(
        Person(organisation=window, family_name="ベンチ", given_name=f"{n}")
        for n in range(PLACEMENTS)
    )
    cases = Case.objects.bulk_create(
        Case(organisation=window, person=person, title="ベンチのケース", lead_worker=user)
        for person in persons
    )
    Placement.objects.bulk_create(
        Placement(
            case=case, offer=rng.choice(offers), stage=rng.choice(ACTIVE_STAGES), created_by=user
        )
        for case in cases
    )
    with connection.cursor() as cursor:
        for table in ("participation_host", "participation_offer", "participation_placement"):
            cursor.execute(f"ANALYZE {table}")


def raw_ids(organisation_id: int, prefecture_id: int) -> list[int]:
    params: dict[str, Any] = {
        "org": organisation_id,
        "pref": prefecture_id,
        "stages": list(ACTIVE_STAGES),
    }
    with connection.cursor() as cursor:
        cursor.execute(RAW, params)
        return [row[0] for row in cursor.fetchall()]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reset", action="store_true", help="delete the bench rows and regenerate")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL only: set DATABASE_URL to a database of its own.")
    if args.runs < 50:
        sys.exit("--runs must be at least 50 (p95 of fewer runs says little).")
    pref, centre, window, user = ensure_world()
    if args.reset:
        reset(centre, window)
    if Offer.objects.filter(host__owner=centre).count() != OFFERS:
        reset(centre, window)
        started = time.perf_counter()
        generate(centre, window, user, args.seed)
        print(f"generated in {time.perf_counter() - started:.1f} s")
    user = User.objects.get(pk=user.pk)
    timings: dict[str, list[float]] = {"tsunagu": [], "raw": []}
    for run in range(args.runs + 5):  # five warm-up rounds, not counted
        started = time.perf_counter()
        matches = rank_offers(user, WISHES, limit=10)
        ours = time.perf_counter() - started
        started = time.perf_counter()
        raw = raw_ids(window.pk, pref.pk)
        raw_time = time.perf_counter() - started
        if [match.offer.pk for match in matches] != raw:
            sys.exit(f"the lists differ:\n tsunagu {[m.offer.pk for m in matches]}\n raw     {raw}")
        if run >= 5:
            timings["tsunagu"].append(ours * 1000)
            timings["raw"].append(raw_time * 1000)
    hosts = Host.objects.filter(owner=centre).count()
    print(f"{hosts:,} hosts, {OFFERS:,} offers, {PLACEMENTS:,} active placements; {args.runs} runs")
    print(f"  top: {matches[0].offer.title} score {matches[0].score}: {', '.join(matches[0].fits)}")
    for name, key in (("tsunagu", "tsunagu"), ("raw SQL", "raw")):
        values = timings[key]
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(
            f"  {name:<8} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms"
            f"  (min {min(values):.1f}, max {max(values):.1f})"
        )
    p95 = percentile(timings["tsunagu"], 0.95)
    ratio = statistics.median(timings["tsunagu"]) / statistics.median(timings["raw"])
    verdict = "met" if p95 <= 100 else "NOT met"
    print(f"  ratio (p50) {ratio:.2f}x; P5 p95 <= 100 ms: {verdict}")


if __name__ == "__main__":
    main()
