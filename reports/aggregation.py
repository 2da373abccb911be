"""The SQL aggregation of each official table, grouped by organisation.

Every query groups by the organisation, so that a municipality's or a prefecture's figures are the
sum of its organisations' counts: only counts leave an organisation, never a personal record.
The counting rules are written in docs/reports.md; the channel → column mapping lives only in
consultations/channels.py and is applied here to grouped counts. Each function here is named by a
table of the registry (reports/tables.py); changing what one counts means raising that table's
`rules_version` there, so that no cached figure counted the old way is shown again.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Count, F, IntegerField, QuerySet, Value
from django.db.models.functions import TruncDate
from django.utils import timezone

from cases.models import Activity
from collaboration.models import Referral
from consultations.channels import ACTIVITY_CHANNEL, official_method
from consultations.models import Consultation
from people.models import Person
from reports.columns import AGENCY_LABELS, METHOD_LABELS, age_column
from tsunagu.dates import fiscal_year_range

PerOrganisation = dict[int, Counter[str]]

# Activity kinds that are a contact with the person or the family (counted in tables A and B).
COUNTED_ACTIVITY_KINDS: tuple[str, ...] = tuple(
    kind for kind, channel in ACTIVITY_CHANNEL.items() if channel is not None
)


def fiscal_year_bounds(fiscal_year: int) -> tuple[datetime, datetime]:
    """[start, end) of a fiscal year as aware datetimes in Japan time."""
    first, last = fiscal_year_range(fiscal_year)
    zone = timezone.get_default_timezone()
    return (
        datetime.combine(first, time.min, zone),
        datetime.combine(last + timedelta(days=1), time.min, zone),
    )


def consultations_in_year(org_ids: Iterable[int], fiscal_year: int) -> QuerySet[Consultation]:
    start, end = fiscal_year_bounds(fiscal_year)
    return Consultation.objects.filter(
        organisation_id__in=list(org_ids), received_at__gte=start, received_at__lt=end
    ).order_by()


def contact_activities_in_year(org_ids: Iterable[int], fiscal_year: int) -> QuerySet[Activity]:
    start, end = fiscal_year_bounds(fiscal_year)
    return Activity.objects.filter(
        case__organisation_id__in=list(org_ids),
        occurred_at__gte=start,
        occurred_at__lt=end,
        kind__in=COUNTED_ACTIVITY_KINDS,
    ).order_by()


def referrals_in_year(org_ids: Iterable[int], fiscal_year: int) -> QuerySet[Referral]:
    """Referrals made in the year; a 不成立 one was never つないだ and is not counted."""
    first, last = fiscal_year_range(fiscal_year)
    return (
        Referral.objects.filter(organisation_id__in=list(org_ids), referred_on__range=(first, last))
        .exclude(state=Referral.State.FAILED)
        .order_by()
    )


def _contacts_union(org_ids: list[int], fiscal_year: int) -> tuple[str, tuple[Any, ...]]:
    """Every consultation contact of the year with a person: (org, who, at, src, rid, day, age).

    `day` is the Japan-time date of the contact, `age` the age recorded at it (intakes only).
    No person is joined here: the birth date is read only for each person's first contact.
    """
    intakes = consultations_in_year(org_ids, fiscal_year).values(
        org=F("organisation_id"),
        who=F("person_id"),
        at=F("received_at"),
        src=Value(0, output_field=IntegerField()),
        rid=F("id"),
        day=TruncDate("received_at"),
        age=F("age_at_contact"),
    )
    activities = (
        contact_activities_in_year(org_ids, fiscal_year)
        .filter(case__person__isnull=False)
        .values(
            org=F("case__organisation_id"),
            who=F("case__person_id"),
            at=F("occurred_at"),
            src=Value(1, output_field=IntegerField()),
            rid=F("id"),
            day=TruncDate("occurred_at"),
            age=Value(None, output_field=IntegerField()),
        )
    )
    sql, params = intakes.union(activities, all=True).order_by().query.sql_with_params()
    return sql, tuple(params)


def _age_on_day_sql() -> str:
    """Completed years from the person's birth date to the contact's day, else the recorded age.

    A day before the birth date (a data error) gives -1, counted as 年齢不明. On PostgreSQL `age()`
    is several times cheaper than extracting and comparing the date parts of 400k rows.
    """
    if connection.vendor == "postgresql":
        from_birth = (
            "CASE WHEN firsts.day < p.birth_date THEN -1"
            " ELSE date_part('year', age(firsts.day::timestamp, p.birth_date::timestamp))::int END"
        )
    else:
        from_birth = (
            "CAST(substr(firsts.day, 1, 4) AS integer)"
            " - CAST(substr(p.birth_date, 1, 4) AS integer)"
            " - (substr(firsts.day, 6, 5) < substr(p.birth_date, 6, 5))"
        )
    return f"CASE WHEN p.birth_date IS NULL THEN firsts.age ELSE {from_birth} END"


def first_contacts_sql(org_ids: Iterable[int], fiscal_year: int) -> tuple[str, tuple[Any, ...]]:
    """Each person's first consultation contact of the year: rows (org, who, age).

    Contacts are the intakes and the case activities that are a contact; ties on the time go to
    the intake, then to the older record. The person's birth date is joined to the first contacts
    only, after the one sort that finds them.
    """
    union_sql, params = _contacts_union(list(org_ids), fiscal_year)
    # The ORM compiled the inner SQL with its parameters; only fixed text is added around it.
    # One sort numbers each person's contacts. The flag is a boolean rather than `rn = 1` so that
    # PostgreSQL estimates the first contacts as a large share of the rows: it then reads the
    # persons by a merge join and counts by hashing, instead of 400k index probes and a sort.
    firsts = (
        "SELECT org, who, day, age FROM ("  # noqa: S608
        " SELECT org, who, day, age,"
        " ROW_NUMBER() OVER (PARTITION BY who ORDER BY at, src, rid) = 1 AS is_first"
        f" FROM ({union_sql}) contacts"
        ") ranked WHERE is_first"
    )
    sql = (
        f"SELECT firsts.org, firsts.who, {_age_on_day_sql()} AS age"  # noqa: S608
        f" FROM ({firsts}) firsts INNER JOIN {Person._meta.db_table} p"
        f" ON p.{Person._meta.pk.column} = firsts.who"
    )
    return sql, params


def persons_by_age(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    sql, params = first_contacts_sql(org_ids, fiscal_year)
    result: PerOrganisation = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT org, age, COUNT(*) FROM ({sql}) firsts GROUP BY org, age", params)  # noqa: S608
        for org, age, count in cursor.fetchall():
            result[org][age_column(age)] += count
    return result


def consultations_by_method(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    """Contacts counted by organisation and recorded channel (intakes) or kind (activities).

    Both counts go in one statement, so that PostgreSQL can run the two scans side by side.
    """
    org_ids = list(org_ids)
    intakes = (
        consultations_in_year(org_ids, fiscal_year)
        .values_list("organisation_id", "channel")
        .annotate(n=Count("*"), src=Value(0, output_field=IntegerField()))
    )
    activities = (
        contact_activities_in_year(org_ids, fiscal_year)
        .values_list("case__organisation_id", "kind")
        .annotate(n=Count("*"), src=Value(1, output_field=IntegerField()))
    )
    result: PerOrganisation = defaultdict(Counter)
    for org, recorded, count, src in intakes.union(activities, all=True).order_by():
        channel = recorded if src == 0 else ACTIVITY_CHANNEL[recorded]
        assert channel is not None  # only counted kinds are selected
        result[org][METHOD_LABELS[official_method(channel)]] += count
    return result


def referrals_by_agency_type(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    result: PerOrganisation = defaultdict(Counter)
    rows = (
        referrals_in_year(org_ids, fiscal_year)
        .values_list("organisation_id", "agency__category")
        .annotate(n=Count("*"))
    )
    for org, category, count in rows:
        result[org][AGENCY_LABELS[category]] += count
    return result
