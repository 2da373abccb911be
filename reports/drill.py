"""The records behind a figure of an official table (drill-down): one function per table.

Each table of the registry (reports/tables.py) names its function here, or none when its figures
lead to no records.

Only the user's own organisation's records, loaded through the access functions (a read of
personal data: VIEW_PERSONAL_DATA, audited with the ids shown). A statistics clerk or any user
looking at a roll-up gets counts only: the page offers no link.
"""

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.http import Http404, HttpRequest

from accounts.access import audit_list_read, list_for_user, visible_to
from accounts.models import User
from accounts.roles import Right
from cases.models import Activity, Case
from collaboration.models import Referral
from consultations.channels import ACTIVITY_CHANNEL, official_method
from consultations.models import Consultation
from people.access import hidden_person_ids
from people.models import Person
from reports.aggregation import (
    consultations_in_year,
    contact_activities_in_year,
    first_contacts_sql,
    referrals_in_year,
)
from reports.columns import AGENCY_LABELS, METHOD_LABELS, age_column
from reports.scope import ORGANISATION, ReportScope

if TYPE_CHECKING:
    from reports.tables import ReportTable

DRILL_LIMIT = 500


def may_drill(user: User, scope: ReportScope) -> bool:
    return (
        scope.kind == ORGANISATION
        and scope.key == str(user.organisation_id)
        and user.has_right(Right.VIEW_PERSONAL_DATA)
    )


@dataclass
class DrillResult:
    persons: list[Person] = field(default_factory=list)
    consultations: list[Consultation] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    hidden: set[int] = field(default_factory=set)

    @property
    def count(self) -> int:
        return (
            len(self.persons) + len(self.consultations) + len(self.activities) + len(self.referrals)
        )


def _person_ids_of_age(scope: ReportScope, year: int, column: str) -> list[int]:
    sql, params = first_contacts_sql(scope.organisation_ids, year)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [who for _, who, age in cursor.fetchall() if age_column(age) == column]


def _channels_of(column: str) -> list[str]:
    from consultations.channels import Channel

    return [c.value for c in Channel if METHOD_LABELS[official_method(c.value)] == column]


def records_behind(
    user: User,
    scope: ReportScope,
    year: int,
    table: "ReportTable | None",
    column: str,
    *,
    request: HttpRequest | None = None,
) -> DrillResult:
    """The records counted in one cell; 404 for a cell that does not exist or has no records."""
    if table is None or table.drill is None or column not in table.columns:
        raise Http404("該当する集計の欄がありません。")
    return table.drill(user, scope, year, column, request)


def persons_first_counted_at_age(
    user: User, scope: ReportScope, year: int, column: str, request: HttpRequest | None
) -> DrillResult:
    """Table A: the persons whose first contact of the year falls in the age column."""
    result = DrillResult()
    ids = _person_ids_of_age(scope, year, column)
    query = Person.objects.filter(pk__in=ids).prefetch_related("team").order_by("id")
    result.persons = list_for_user(user, query, right=Right.VIEW_PERSONAL_DATA, request=request)
    result.hidden = hidden_person_ids(user, result.persons)
    return result


def contacts_by_method(
    user: User, scope: ReportScope, year: int, column: str, request: HttpRequest | None
) -> DrillResult:
    """Table B: the intakes and the case activities counted in the method column."""
    result = DrillResult()
    kinds = [
        kind
        for kind, channel in ACTIVITY_CHANNEL.items()
        if channel is not None and METHOD_LABELS[official_method(channel)] == column
    ]
    consultations = (
        visible_to(user, consultations_in_year(scope.organisation_ids, year))
        .filter(channel__in=_channels_of(column))
        .select_related("person")
        .prefetch_related("person__team")
        .order_by("received_at", "id")[:DRILL_LIMIT]
    )
    activities = (
        contact_activities_in_year(scope.organisation_ids, year)
        .filter(kind__in=kinds, case__in=visible_to(user, Case.objects.all()))
        .select_related("case__person")
        .prefetch_related("case__person__team")
        .order_by("occurred_at", "id")[:DRILL_LIMIT]
    )
    result.consultations = list(consultations)
    result.activities = list(activities)
    persons: list[Any] = [c.person for c in result.consultations]
    persons += [a.case.person for a in result.activities if a.case.person is not None]
    result.hidden = hidden_person_ids(user, persons)
    audit_list_read(
        user,
        result.consultations,
        model=Consultation,
        request=request,
        also={"cases.activity": [a.pk for a in result.activities]},
    )
    return result


def referrals_to_agency_type(
    user: User, scope: ReportScope, year: int, column: str, request: HttpRequest | None
) -> DrillResult:
    """Table C: the counted referrals to agencies of the column's category."""
    result = DrillResult()
    category = next(code for code, label in AGENCY_LABELS.items() if label == column)
    referrals = (
        referrals_in_year(scope.organisation_ids, year)
        .filter(agency__category=category)
        .select_related("person", "agency")
        .prefetch_related("person__team")
        .order_by("referred_on", "id")
    )
    result.referrals = list_for_user(
        user, referrals, right=Right.VIEW_PERSONAL_DATA, request=request
    )
    result.hidden = hidden_person_ids(user, [r.person for r in result.referrals])
    return result
