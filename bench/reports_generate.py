"""Prefecture-scale data for the statistics benchmark (bench/reports_bench.py), PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tsunagu_reports_bench \
        .venv/bin/python bench/reports_generate.py --persons 2000000 --consultations 4000000 \
        --activities 1000000 --referrals 300000

Builds one prefecture (ベンチ県) with --municipalities municipalities, one window each and a few
other offices, then fills persons, consultations, cases with activities (the later contacts) and
referrals with INSERT … SELECT generate_series, spread over ten fiscal years (FY2012–FY2021).
4M intakes + 1M activities = 5M consultation contacts (7 in 9 activity kinds are contacts).
Every NOT NULL column the generator does not set gets a neutral value from its type, so the script
keeps working when other apps add columns. The database must be migrated and empty of these rows.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from accounts.demo import code_with_check_digit  # noqa: E402
from accounts.models import LocalGovernment, Organisation, OrganisationType, User  # noqa: E402
from collaboration.models import Agency, AgencyCategory  # noqa: E402

FIRST_DAY = "2012-04-01"
DAYS = 3652  # ten fiscal years
CHANNELS = [
    "phone",
    "email",
    "visit",
    "home_visit",
    "sns",
    "online",
    "letter",
    "fax",
    "accompany",
    "other",
]
KINDS = [
    "interview",
    "phone",
    "home_visit",
    "letter",
    "accompany",
    "email_sns",
    "agency_liaison",
    "meeting",
    "other",
]
RANDOM_MOMENT = f"timestamptz '{FIRST_DAY} 00:00+09' + random() * interval '{DAYS} days'"
STATES = ["proposed", "accepted", "connected", "ended", "failed"]


def sql_array(values: list[str]) -> str:
    return "ARRAY[" + ",".join(f"'{v}'" for v in values) + "]"


def filler(table: str, explicit: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions: the explicit ones, and neutral values for the rest."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_name = %s AND is_nullable = 'NO' AND column_default IS NULL",
            [table],
        )
        required = cursor.fetchall()
    neutral = {
        "boolean": "false",
        "integer": "1",
        "smallint": "1",
        "bigint": "1",
        "jsonb": "'[]'::jsonb",
        "date": "current_date",
        "timestamp with time zone": "now()",
        "text": "''",
        "character varying": "''",
        "uuid": "gen_random_uuid()",
        "bytea": "''::bytea",
    }
    columns = dict(explicit)
    for name, data_type in required:
        if name not in columns and name != "id":
            columns[name] = neutral.get(data_type, "''")
    return ", ".join(columns), ", ".join(columns.values())


def insert(table: str, count: int, explicit: dict[str, str]) -> None:
    names, values = filler(table, explicit)
    values = values.replace("%", "%%")  # a literal modulo next to the one parameter
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {values} FROM generate_series(0, %s) AS g",  # noqa: S608
            [count - 1],
        )
    print(f"{table}: {count:,} rows in {time.perf_counter() - started:.1f} s", flush=True)


def world(municipalities: int) -> tuple[list[int], int, list[int]]:
    pref, _ = LocalGovernment.objects.get_or_create(
        code=code_with_check_digit("98000"), defaults={"name": "ベンチ県", "kind": "prefecture"}
    )
    org_ids = []
    types = [OrganisationType.MUNICIPAL_WINDOW, OrganisationType.SELF_RELIANCE_OFFICE]
    for number in range(municipalities):
        city, _ = LocalGovernment.objects.get_or_create(
            code=code_with_check_digit(f"98{number + 201:03d}"),
            defaults={"name": f"ベンチ市{number + 1}", "kind": "municipality", "prefecture": pref},
        )
        for org_type in types:
            org, _ = Organisation.objects.get_or_create(
                name=f"ベンチ市{number + 1} {org_type.label}",
                defaults={"type": org_type, "local_government": city},
            )
            org_ids.append(org.pk)
    user, _ = User.objects.get_or_create(
        username="bench-reports", defaults={"display_name": "ベンチ", "organisation_id": org_ids[0]}
    )
    agencies = []
    categories = list(AgencyCategory)
    for number in range(200):
        agency, _ = Agency.objects.get_or_create(
            name=f"ベンチ機関{number}",
            defaults={"local_government": pref, "category": categories[number % len(categories)]},
        )
        agencies.append(agency.pk)
    return org_ids, user.pk, agencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=2_000_000)
    parser.add_argument("--consultations", type=int, default=4_000_000)
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--referrals", type=int, default=300_000)
    parser.add_argument("--municipalities", type=int, default=40)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("PostgreSQL の DATABASE_URL を指定してください。")
    with transaction.atomic():
        org_ids, user_id, agencies = world(args.municipalities)
    with connection.cursor() as cursor:
        # The generated ids are consistent by construction: skip the per-row foreign key checks.
        cursor.execute("SET session_replication_role = replica")
    orgs = "ARRAY[" + ",".join(map(str, org_ids)) + "]"
    n_orgs = len(org_ids)
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM people_person")
        person_base = cursor.fetchone()[0] + 1
        cursor.execute("SELECT setseed(0.42)")
    # Person k (0-based) belongs to organisation k mod n; so do its consultations and cases.
    with connection.cursor() as cursor:
        cursor.execute("SELECT MIN(id), COUNT(*) FROM people_person WHERE alias LIKE 'ベンチ%%'")
        first_id, existing = cursor.fetchone()
    if existing >= args.persons:  # a run stopped after the persons: keep them
        person_base = first_id
        print(f"people_person: reusing {existing:,} rows", flush=True)
    else:
        insert(
            "people_person",
            args.persons,
            {
                "organisation_id": f"({orgs})[g % {n_orgs} + 1]",
                "birth_date": "CASE WHEN random() < 0.7"
                " THEN date '1950-01-01' + (random() * 20000)::int END",
                "sex": "(ARRAY['male','female','unknown'])[g % 3 + 1]",
                "alias": "'ベンチ' || g",
                "created_at": "now()",
                "updated_at": "now()",
            },
        )
    person = f"(g::bigint * 7919) % {args.persons}"
    insert(
        "consultations_consultation",
        args.consultations,
        {
            "organisation_id": f"({orgs})[({person}) % {n_orgs} + 1]",
            "person_id": f"{person_base} + {person}",
            "received_at": RANDOM_MOMENT,
            "channel": f"({sql_array(CHANNELS)})[(random() * 9)::int + 1]",
            "consulter_type": "'family'",
            "age_at_contact": "CASE WHEN random() < 0.5 THEN 15 + (random() * 60)::int END",
            "categories": "'[\"hikikomori\"]'::jsonb",
            "main_concern": "'hikikomori'",
            "disposition": "'continue'",
            "taken_by_id": str(user_id),
        },
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM cases_case")
        case_base = cursor.fetchone()[0] + 1
    case_person = f"(g::bigint * 104729) % {args.persons}"
    insert(
        "cases_case",
        args.cases,
        {
            "organisation_id": f"({orgs})[({case_person}) % {n_orgs} + 1]",
            "person_id": f"{person_base} + {case_person}",
            "title": "'ベンチのケース'",
            "stage": "'support'",
            "lead_worker_id": str(user_id),
            "opened_on": f"date '{FIRST_DAY}' + (random() * {DAYS})::int",
        },
    )
    insert(
        "cases_activity",
        args.activities,
        {
            "case_id": f"{case_base} + (g::bigint * 31) % {args.cases}",
            "occurred_at": RANDOM_MOMENT,
            "kind": f"({sql_array(KINDS)})[(random() * 8)::int + 1]",
            "content": "'記録'",
            "recorded_by_id": str(user_id),
        },
    )
    agencies_sql = "ARRAY[" + ",".join(map(str, agencies)) + "]"
    referral_person = f"(g::bigint * 6151) % {args.persons}"
    insert(
        "collaboration_referral",
        args.referrals,
        {
            "organisation_id": f"({orgs})[({referral_person}) % {n_orgs} + 1]",
            "person_id": f"{person_base} + {referral_person}",
            "agency_id": f"({agencies_sql})[(random() * {len(agencies) - 1})::int + 1]",
            "purpose": "'ベンチ'",
            "state": f"({sql_array(STATES)})[(random() * 4)::int + 1]",
            "referred_on": f"date '{FIRST_DAY}' + (random() * {DAYS})::int",
            "follow_up_on": "current_date",
            "referred_by_id": str(user_id),
        },
    )
    started = time.perf_counter()
    connection.ensure_connection()
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE)")
    print(f"VACUUM (ANALYZE) in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
