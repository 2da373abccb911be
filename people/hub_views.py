"""The person page as the hub: the person's cases, consultations, referrals, households,
consents, meetings, placements (参加) and ibasho attendance, newest first.

A door (`_views.py`): it gathers records of apps above people (cases, consultations,
collaboration, community, participation) for `people.views.person_detail`. Each section reads
only what the user may see (`accounts.access.visible_to`, so another organisation's case of the
same person stays out), shows at most HUB_ROWS rows and the count of all, in one query per
section whatever the number of records; the rows shown are audited as one read.
"""

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, F, Model, Q, QuerySet, Window
from django.http import HttpRequest
from django.urls import reverse

from accounts.access import audit_list_read, visible_to
from accounts.models import User
from audit.services import object_type_of
from cases.models import Case
from collaboration.models import AgendaItem, Consent, Meeting, Referral
from community.models import Attendance
from consultations.models import Consultation
from participation.models import Placement
from people.models import Household, HouseholdMembership, Person

HUB_ROWS = 10
# What the audit row of the hub names for the cases shown (the other kinds are named by id).
CASE_FIELDS = ("title", "stage", "lead_worker", "opened_on")


@dataclass(frozen=True)
class HubSection:
    """One section of the hub: the newest rows, how many there are in all, the full list."""

    rows: list[Any]
    total: int
    list_url: str = ""

    @property
    def more(self) -> bool:
        return self.total > len(self.rows)


@dataclass(frozen=True)
class PersonHub:
    cases: HubSection
    consultations: HubSection
    referrals: HubSection
    memberships: HubSection
    consents: HubSection
    meetings: HubSection
    placements: HubSection
    attendances: HubSection


def newest[M: Model](queryset: QuerySet[M], *ordering: Any, list_url: str = "") -> HubSection:
    """The first HUB_ROWS rows in `ordering` and the count of all, in one query: the count is a
    window over the whole filtered set, which the database computes before the LIMIT."""
    rows = list(queryset.annotate(hub_total=Window(Count("pk"))).order_by(*ordering)[:HUB_ROWS])
    total = getattr(rows[0], "hub_total", 0) if rows else 0
    return HubSection(rows, total, list_url)


def visible_cases(user: User, person: Person) -> QuerySet[Case]:
    return visible_to(user, Case.objects.filter(person=person))


def cases_section(user: User, person: Person) -> HubSection:
    query = urlencode({"scope": "organisation", "person": person.pk})
    return newest(
        visible_cases(user, person).select_related("lead_worker"),
        "-opened_on",
        "-id",
        list_url=f"{reverse('case_list')}?{query}",
    )


def consultations_section(user: User, person: Person) -> HubSection:
    # The content is not shown here: not even decrypted.
    consultations = Consultation.objects.filter(person=person).defer("content")
    return newest(visible_to(user, consultations), "-received_at", "-id")


def referrals_section(user: User, person: Person) -> HubSection:
    referrals = (
        Referral.objects.filter(person=person)
        .select_related("agency")
        .defer("purpose", "failed_reason")
    )
    return newest(visible_to(user, referrals), "-referred_on", "-id")


def memberships_section(user: User, person: Person) -> HubSection:
    households = visible_to(user, Household.objects.all()).values("pk")
    memberships = HouseholdMembership.objects.filter(
        person=person, household__in=households
    ).select_related("household")
    # Current memberships first, then those left most recently.
    return newest(
        memberships,
        F("left_on").desc(nulls_first=True),
        F("joined_on").desc(nulls_last=True),
        "-id",
    )


def consents_section(user: User, person: Person) -> HubSection:
    consents = Consent.objects.filter(person=person).defer("purpose", "withdrawal_note")
    return newest(visible_to(user, consents), "-given_on", "-id")


def has_valid_consent(user: User, person: Person, today: date) -> bool:
    """Whether a consent the user may see is in force today (withdrawn: ended), for the header
    when the consents shown in the hub are only the newest HUB_ROWS."""
    return visible_to(
        user,
        Consent.objects.filter(
            person=person, withdrawn_at__isnull=True, given_on__lte=today, expires_on__gte=today
        ),
    ).exists()


def meetings_section(user: User, person: Person) -> HubSection:
    """Meetings the user may open with one of the person's visible cases on their agenda."""
    items = AgendaItem.objects.filter(case__in=visible_cases(user, person).values("pk"))
    meetings = Meeting.objects.filter(pk__in=items.values("meeting_id")).defer("minutes")
    return newest(visible_to(user, meetings), "-held_at", "-id")


def placements_section(user: User, person: Person) -> HubSection:
    """The placements of the person's cases the user may open (the case's access), with the
    host and offer they name; the follow-up notes stay unread."""
    placements = Placement.objects.filter(case__person=person).select_related("case", "offer__host")
    return newest(visible_to(user, placements), "-proposed_on", "-id")


def attendances_section(user: User, person: Person) -> HubSection:
    """Attendance as the registered person, or under a nickname linked to the person."""
    attendances = Attendance.objects.filter(
        Q(person=person) | Q(nickname__linked_person=person)
    ).select_related("session__place", "session__curriculum_unit", "nickname")
    return newest(
        visible_to(user, attendances).defer("session__notes"),
        "-session__date",
        "-session__start_time",
        "-id",
    )


def person_hub(user: User, person: Person, request: HttpRequest) -> PersonHub:
    """The hub of `person` for `user`, its rows audited as one read."""
    hub = PersonHub(
        cases=cases_section(user, person),
        consultations=consultations_section(user, person),
        referrals=referrals_section(user, person),
        memberships=memberships_section(user, person),
        consents=consents_section(user, person),
        meetings=meetings_section(user, person),
        placements=placements_section(user, person),
        attendances=attendances_section(user, person),
    )
    others = {
        Consultation: hub.consultations,
        Referral: hub.referrals,
        HouseholdMembership: hub.memberships,
        Consent: hub.consents,
        Meeting: hub.meetings,
        Placement: hub.placements,
        Attendance: hub.attendances,
    }
    audit_list_read(
        user,
        hub.cases.rows,
        model=Case,
        request=request,
        fields=CASE_FIELDS,
        also={
            object_type_of(model): [row.pk for row in section.rows]
            for model, section in others.items()
        },
    )
    return hub
