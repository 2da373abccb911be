"""Tables A, B and C computed by SQL aggregation, grouped by organisation.

Every query groups by the organisation, so that a municipality's or a prefecture's figures are the
sum of its organisations' counts: only counts leave an organisation, never a personal record.
The counting rules are written in docs/reports.md; the channel → column mapping lives only in
consultations/channels.py and is applied here to grouped counts.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import Case, Count, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import LessThan
from django.utils import timezone

from cases.models import Activity
from collaboration.models import Referral
from consultations.channels import ACTIVITY_CHANNEL, official_method
from consultations.models import Consultation
from reports.tables import AGENCY_LABELS, METHOD_LABELS, FiscalYearTables, age_column
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


def _age_at(at_field: str, birth_field: str, recorded: Any) -> Case:
    """Age in completed years on the (Japan-time) day of the contact, else the recorded age."""
    birth = F(birth_field)
    before_birthday = LessThan(
        ExtractMonth(at_field) * 100 + ExtractDay(at_field),
        ExtractMonth(birth) * 100 + ExtractDay(birth),
    )
    from_birth = (
        ExtractYear(at_field)
        - ExtractYear(birth)
        - Case(When(before_birthday, then=Value(1)), default=Value(0))
    )
    return Case(
        When(**{f"{birth_field}__isnull": False}, then=from_birth),
        default=recorded,
        output_field=IntegerField(),
    )


def first_contacts_sql(org_ids: Iterable[int], fiscal_year: int) -> tuple[str, tuple[Any, ...]]:
    """Each person's first consultation contact of the year: rows (org, who, age).

    Contacts are the intakes and the case activities that are a contact; ties on the time go to
    the intake, then to the older record.
    """
    org_ids = list(org_ids)
    intakes = consultations_in_year(org_ids, fiscal_year).values(
        org=F("organisation_id"),
        who=F("person_id"),
        at=F("received_at"),
        src=Value(0, output_field=IntegerField()),
        rid=F("id"),
        age=_age_at("received_at", "person__birth_date", F("age_at_contact")),
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
            age=_age_at("occurred_at", "case__person__birth_date", Value(None)),
        )
    )
    union_sql, params = intakes.union(activities, all=True).order_by().query.sql_with_params()
    # The ORM compiled the inner SQL with its parameters; only fixed text is added around it.
    if connection.vendor == "postgresql":
        # DISTINCT ON sorts once and keeps the first row; the window below would number them all.
        sql = (
            "SELECT DISTINCT ON (who) org, who, age"  # noqa: S608
            f" FROM ({union_sql}) contacts ORDER BY who, at, src, rid"
        )
        return sql, tuple(params)
    sql = (
        "SELECT org, who, age FROM ("  # noqa: S608
        " SELECT org, who, age,"
        " ROW_NUMBER() OVER (PARTITION BY who ORDER BY at, src, rid) AS rn"
        f" FROM ({union_sql}) contacts"
        ") ranked WHERE rn = 1"
    )
    return sql, tuple(params)


def persons_by_age(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    sql, params = first_contacts_sql(org_ids, fiscal_year)
    result: PerOrganisation = defaultdict(Counter)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT org, age, COUNT(*) FROM ({sql}) firsts GROUP BY org, age", params)  # noqa: S608
        for org, age, count in cursor.fetchall():
            result[org][age_column(age)] += count
    return result


def consultations_by_method(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    org_ids = list(org_ids)
    result: PerOrganisation = defaultdict(Counter)
    intakes = (
        consultations_in_year(org_ids, fiscal_year)
        .values_list("organisation_id", "channel")
        .annotate(n=Count("id"))
    )
    for org, channel, count in intakes:
        result[org][METHOD_LABELS[official_method(channel)]] += count
    activities = (
        contact_activities_in_year(org_ids, fiscal_year)
        .values_list("case__organisation_id", "kind")
        .annotate(n=Count("id"))
    )
    for org, kind, count in activities:
        channel = ACTIVITY_CHANNEL[kind]
        assert channel is not None  # only counted kinds are selected
        result[org][METHOD_LABELS[official_method(channel)]] += count
    return result


def referrals_by_agency_type(org_ids: Iterable[int], fiscal_year: int) -> PerOrganisation:
    result: PerOrganisation = defaultdict(Counter)
    rows = (
        referrals_in_year(org_ids, fiscal_year)
        .values_list("organisation_id", "agency__category")
        .annotate(n=Count("id"))
    )
    for org, category, count in rows:
        result[org][AGENCY_LABELS[category]] += count
    return result


def tables_by_organisation(org_ids: Iterable[int], fiscal_year: int) -> dict[int, FiscalYearTables]:
    """Tables A, B and C of every organisation that has figures in the year."""
    org_ids = list(org_ids)
    by_table = {
        "a": persons_by_age(org_ids, fiscal_year),
        "b": consultations_by_method(org_ids, fiscal_year),
        "c": referrals_by_agency_type(org_ids, fiscal_year),
    }
    organisations = {org for counts in by_table.values() for org in counts}
    return {
        org: FiscalYearTables.from_counts(
            fiscal_year, {key: dict(counts.get(org, {})) for key, counts in by_table.items()}
        )
        for org in sorted(organisations)
    }


def sum_tables(fiscal_year: int, parts: Iterable[FiscalYearTables]) -> FiscalYearTables:
    total = FiscalYearTables(fiscal_year)
    for part in parts:
        total.add(part)
    return total
