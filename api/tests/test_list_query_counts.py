"""Every list endpoint takes the same number of queries for one row as for a dozen.

The list endpoints are read from the OpenAPI document (every GET whose 200 answer is a page), so
that an endpoint added without a row in LISTS fails here. Each row of LISTS adds one record the
list shows, together with the related records that would cost a query per row if they were not
loaded with the page (teams, participants, plan actions, referral events, household members).
The query counts are pinned as measured on SQLite; on PostgreSQL each audit row also takes an
advisory lock (`audit_lock_queries`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from itertools import count
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation, OrganisationType, StaffRole, User
from accounts.roles import Role
from api.tests.test_cases_api import CasesApiTestCase
from cases.models import Activity, Case
from cases.services import activity_add, assessment_add, plan_save
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.models import Agency, Referral
from collaboration.referrals.services import referral_create, referral_set_state
from participation.models import Host, HostKind, HostStatus, Offer, OfferKind
from participation.placements import placement_propose
from people.models import Household, HouseholdMembership, Person, Relationship, RestrictionReason
from tsunagu.test import audit_lock_queries

# Rows listed in the second measurement; fewer than the default page (20), so all are shown.
MANY = 12
ENVELOPE = {"count", "offset", "limit", "next_offset", "items"}


@dataclass(frozen=True)
class ListSpec:
    """How to fill one list: who reads it, the query string, and how to add one listed row."""

    user: str
    add: Callable[["ListQueryCountTests"], Any]
    query: str = ""
    # The queries as measured on SQLite, and the audit rows the request writes.
    queries: int = 0
    audit_rows: int = 1


_serial = count(1)


def _add_organisation(test: "ListQueryCountTests") -> None:
    Organisation.objects.create(
        name=f"つなぐ市 相談支援事業所{next(_serial)}",
        type=OrganisationType.WELFARE_OFFICE,
        local_government=test.window.local_government,
    )


def _add_staff(test: "ListQueryCountTests") -> None:
    staff = User.objects.create(
        username=f"staff{next(_serial)}", display_name="職員 太郎", organisation=test.window
    )
    StaffRole.objects.create(user=staff, role=Role.CONSULTATION_WORKER)
    StaffRole.objects.create(user=staff, role=Role.COORDINATOR)


def _add_person(test: "ListQueryCountTests") -> Person:
    # Restricted and on the readers' team: found by name, and its team is read to show the
    # identity (an unrestricted person's team is never read, so it would hide an N+1).
    person = make_person(test.window, "高橋", f"勇気{next(_serial)}", family_name_kana="タカハシ")
    _restrict(person, test)
    return person


def _restrict(person: Person, test: "ListQueryCountTests") -> None:
    Person.objects.filter(pk=person.pk).update(
        is_restricted=True, restriction_reason=RestrictionReason.DV
    )
    person.team.add(test.soudan, test.douryou)


def _add_household(test: "ListQueryCountTests") -> None:
    household = Household.objects.create(
        organisation=test.window, label=f"高橋さん世帯{next(_serial)}"
    )
    for relationship in (Relationship.SELF, Relationship.HEAD):
        HouseholdMembership.objects.create(
            household=household, person=_add_person(test), relationship=relationship
        )


def _add_consultation(test: "ListQueryCountTests") -> None:
    response = test.intake(
        consulter_type="agency",
        consulter_relationship="",
        consulter_name="",
        consulter_agency_id=test.agency.pk,
        disposition="information",
    )
    test.assertEqual(response.status_code, 201, response.content)
    _restrict(Person.objects.get(pk=response.json()["person"]["id"]), test)


def _add_case(test: "ListQueryCountTests") -> None:
    case = open_case(test.soudan, _add_person(test))
    case.team.add(test.douryou)


def _add_assessment(test: "ListQueryCountTests") -> None:
    assessment_add(
        case=test.case,
        data={"outing_level": "neighbourhood", "medical_flags": ["mood"]},
        by=test.soudan,
    )


def _add_plan(test: "ListQueryCountTests") -> None:
    plan_save(
        case=test.case,
        data={
            "long_term_goal": "週に一度、家の外で過ごせる",
            "short_term_goals": "月に一度、職員と面談する",
            "review_on": days_ago(-90),
        },
        actions=[
            {"description": "月1回の訪問", "responsible_worker_id": test.soudan.pk},
            {"description": "介護保険の申請", "responsible_agency_id": test.agency.pk},
        ],
        based_on=test.case.plans.count(),
        by=test.soudan,
    )


def _add_activity(test: "ListQueryCountTests") -> None:
    activity_add(
        case=test.case,
        data={
            "occurred_at": timezone.now() - timedelta(hours=next(_serial)),
            "kind": Activity.Kind.PHONE,
            "content": "母親と電話。本人は変わりなし。",
        },
        participants=[test.soudan, test.douryou],
        by=test.soudan,
    )


def _add_referral(test: "ListQueryCountTests") -> None:
    referral = referral_create(
        organisation_id=test.window.pk,
        person_id=_add_person(test).pk,
        agency_id=test.agency.pk,
        purpose="介護の相談",
        follow_up_on=days_ago(-7),
        by=test.soudan,
    )
    referral_set_state(
        referral=referral, state=Referral.State.ACCEPTED, version=referral.version, by=test.soudan
    )


def _add_received_referral(test: "ListQueryCountTests") -> None:
    # Made to the 地域包括 that uses tsunagu: its worker reads it among the referrals received.
    agency = Agency.objects.filter(organisation=test.world.organisations["houkatsu"]).first()
    if agency is None:
        agency = make_agency(
            test.soudan,
            name="つなぐ市東地域包括支援センター",
            organisation=test.world.organisations["houkatsu"],
        )
    referral_create(
        organisation_id=test.window.pk,
        person_id=_add_person(test).pk,
        agency_id=agency.pk,
        purpose="介護の相談",
        follow_up_on=days_ago(-7),
        by=test.soudan,
    )


def _add_agency(test: "ListQueryCountTests") -> None:
    make_agency(test.soudan, name=f"つなぐ市地域包括支援センター{next(_serial)}")


def _add_host(test: "ListQueryCountTests") -> Host:
    return Host.objects.create(
        owner=test.window,
        name=f"受入先{next(_serial)}",
        kind=HostKind.SOCIAL_WELFARE,
        status=HostStatus.ACCEPTING,
        created_by=test.soudan,
    )


def _add_offer(test: "ListQueryCountTests") -> Offer:
    return Offer.objects.create(
        host=_add_host(test),
        kind=OfferKind.WORK_EXPERIENCE,
        title="野菜の袋詰め",
        tasks="一人で野菜を袋に詰める",
        places=2,
        created_by=test.soudan,
    )


def _add_placement(test: "ListQueryCountTests") -> None:
    placement_propose(case=test.case, offer=_add_offer(test), by=test.soudan)


# Every list endpoint of the OpenAPI document, by its path. Every request: the token and its last
# use (2), the user's roles (1); an audit row is savepoint, last row, insert, release (4); a page
# is its rows, one query per relation loaded with them, and a COUNT (the search: its candidates
# and persons, no COUNT). A case's lists load the case, its team and its person's team first (3).
LISTS: dict[str, ListSpec] = {
    "/api/v1/organisations": ListSpec("soudan", _add_organisation, queries=6, audit_rows=0),
    "/api/v1/staff": ListSpec("admin", _add_staff, queries=10),
    "/api/v1/persons": ListSpec("soudan", _add_person, query="q=高橋", queries=10),
    "/api/v1/households": ListSpec("soudan", _add_household, queries=9),
    "/api/v1/consultations": ListSpec("douryou", _add_consultation, queries=10),
    "/api/v1/cases": ListSpec("douryou", _add_case, queries=11),
    # The lead worker reads the sensitive fields: the case and the assessments shown are audited.
    "/api/v1/cases/{case_id}/assessments": ListSpec(
        "soudan", _add_assessment, queries=16, audit_rows=2
    ),
    "/api/v1/cases/{case_id}/plans": ListSpec("soudan", _add_plan, queries=13),
    "/api/v1/cases/{case_id}/activities": ListSpec("soudan", _add_activity, queries=13),
    "/api/v1/referrals": ListSpec("douryou", _add_referral, queries=10),
    "/api/v1/received-referrals": ListSpec("houkatsu", _add_received_referral, queries=10),
    "/api/v1/agencies": ListSpec("soudan", _add_agency, queries=6, audit_rows=0),
    # The host registry holds no personal data: its lists are not audited (as on the pages). The
    # user's organisation and its local government give the prefecture of the scope (2).
    "/api/v1/hosts": ListSpec("soudan", _add_host, queries=7, audit_rows=0),
    "/api/v1/offers": ListSpec("soudan", _add_offer, queries=7, audit_rows=0),
    "/api/v1/cases/{case_id}/placements": ListSpec("soudan", _add_placement, queries=12),
}


def list_endpoints(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every GET of the document whose 200 answer is a list or a page, with that answer's schema."""
    components = document["components"]["schemas"]
    found = {}
    for path, operations in document["paths"].items():
        if "get" not in operations:
            continue
        answer = operations["get"]["responses"].get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        items = schema.get("properties", {}).get("items", {})
        if schema.get("type") == "array" or items.get("type") == "array":
            found[path] = schema
    return found


class ListQueryCountTests(CasesApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.document = self.client.get("/api/v1/openapi.json").json()
        self.case: Case = open_case(self.soudan, _add_person(self), opened_days_ago=100)

    def test_every_list_endpoint_is_counted_here(self) -> None:
        self.assertEqual(set(list_endpoints(self.document)), set(LISTS))

    def test_every_list_is_a_page_with_offset_and_limit(self) -> None:
        for path, schema in list_endpoints(self.document).items():
            with self.subTest(path):
                self.assertEqual(set(schema.get("properties", {})), ENVELOPE)
                parameters = self.document["paths"][path]["get"]["parameters"]
                names = {p["name"] for p in parameters if p["in"] == "query"}
                self.assertLessEqual({"offset", "limit"}, names)

    def test_the_queries_do_not_grow_with_the_rows(self) -> None:
        for path, spec in LISTS.items():
            with self.subTest(path):
                self.assert_constant_queries(path, spec)

    def assert_constant_queries(self, path: str, spec: ListSpec) -> None:
        user = getattr(self, spec.user)
        url = path.removeprefix("/api/v1").format(case_id=self.case.pk)
        url = f"{url}?{spec.query}" if spec.query else url
        self.call("GET", url, user)  # the token, issued once
        measured = []
        already = self.listed_count(url, user)
        for rows in (1, MANY):
            while self.listed_count(url, user) < already + rows:
                spec.add(self)
            with CaptureQueriesContext(connection) as queries:
                response = self.call("GET", url, user)
            self.assertEqual(response.status_code, 200, response.content)
            page = response.json()
            self.assertEqual(page["count"], already + rows)
            self.assertEqual(len(page["items"]), min(page["count"], page["limit"]))
            measured.append(len(queries))
        sql = "\n".join(query["sql"] for query in queries.captured_queries)
        self.assertEqual(measured[0], measured[1], f"{path}\n{sql}")
        expected = spec.queries + spec.audit_rows * audit_lock_queries()
        self.assertEqual(measured[1], expected, f"{path}\n{sql}")

    def listed_count(self, url: str, user: User) -> int:
        total: int = self.call("GET", url, user).json()["count"]
        return total
