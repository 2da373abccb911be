"""Every route × every persona against the authorization matrix (tsunagu/tests/access_matrix.py)."""

import json
from datetime import time, timedelta
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import ApiToken, User
from cases.models import Assessment, SupportPlan
from collaboration.models import ActionItem
from collaboration.tests.sharing_world import build_sharing_world
from community.models import Frequency, ReservationPolicy
from community.services import attend_registered, nickname_create, reserve, schedule_create
from community.tests.helpers import make_place, make_session
from consultations.models import ImportBatch
from consultations.tests.factories import record
from people.models import DuplicateCandidate, Person, PersonMerge
from people.tests.helpers import add_member, make_household, make_person
from reports.models import ReportRun, SavedReport
from supporters.tests.helpers import dispatch, register
from tsunagu.test import BaseTestCase, VerifiedClient
from tsunagu.tests import access_matrix
from tsunagu.tests.access_matrix import PERSONAS, ROUTES, Route


def route_names(patterns: list[Any], namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names += route_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.append(namespace + pattern.name)
    return names


def persona_users(world: Any, sharing: Any) -> dict[str, User | None]:
    staff = world.staff
    return {
        "anon": None,
        "same": staff["soudan"],
        "coord": staff["chousei"],
        "other": staff["minato"],
        "p_consent": sharing.partner_consent,
        "p_none": sharing.partner_none,
        "referral": sharing.referral_receiver,
        "member": sharing.meeting_member,
        "centre": staff["centre"],
        "stats": staff["toukei"],
        "supporter": staff["supporter"],
        "auditor": staff["kansa"],
        "ibasho": staff["ibasho"],
        "admin": staff["admin"],
    }


def add_community(w: Any, world: Any) -> None:
    """A public place of NPO ひだまり with a weekly schedule, a session and its participants."""
    ibasho = world.staff["ibasho"]
    w.place = make_place(ibasho, reservation_policy=ReservationPolicy.RESERVATION, capacity=5)
    w.schedule, _, _ = schedule_create(
        place=w.place,
        data={
            "frequency": Frequency.WEEKLY,
            "weekday": 2,
            "start_time": time(13, 0),
            "end_time": time(16, 0),
            "starts_on": timezone.localdate() + timedelta(days=30),
            "ends_on": timezone.localdate() + timedelta(days=60),
        },
        by=ibasho,
    )
    # Held today: its attendance is recorded (a session ahead is only reserved).
    w.session = make_session(w.place, ibasho, timezone.localdate())
    npo = world.organisations["npo"]
    w.nickname = nickname_create(organisation_id=npo.pk, data={"nickname": "ユウ"}, by=ibasho)
    visitor = make_person(npo, "佐藤", "翔")
    w.attendance = attend_registered(session=w.session, person=visitor, by=ibasho)
    w.reservation = reserve(
        session=w.session, person=visitor, channel="phone", by=ibasho
    ).reservation
    w.municipality_code = world.organisations["window"].local_government.code


def add_supporters(w: Any, world: Any) -> None:
    """The window's supporter registry: 支援 ゆう (the supporter persona) sent to the case."""
    soudan = world.staff["soudan"]
    w.supporter = register(soudan, user=world.staff["supporter"])
    w.dispatch = dispatch(soudan, w.supporter, w.case)


def add_participation(w: Any, world: Any) -> None:
    """A host of the prefecture's centre shared with every window, and one offer of it."""
    from participation.models import Host, Offer

    centre = world.staff["centre"]
    host = Host.objects.create(
        owner=world.organisations["centre"],
        shared_in_prefecture=True,
        name="社会福祉法人 あおば会",
        kind="social_welfare",
        status="accepting",
        created_by=centre,
    )
    w.offer = Offer.objects.create(
        host=host, kind="work_experience", title="封入作業", tasks="封筒に入れる", created_by=centre
    )


def add_meeting_records(w: Any, world: Any) -> None:
    w.action_item = ActionItem.objects.create(
        meeting=w.meeting,
        case=w.case,
        title="母親に家族会を案内する",
        owner=world.staff["soudan"],
        due_on=timezone.localdate() + timedelta(days=7),
        created_by=world.staff["chousei"],
    )


class AccessMatrixTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        sharing = build_sharing_world(cls.world)
        w = SimpleNamespace(**vars(sharing))
        w.users = persona_users(cls.world, sharing)
        w.person = sharing.case.person
        w.household = make_household(cls.window, "高橋さん世帯")
        w.membership = add_member(w.household, w.person, "person")
        w.consultation = record(cls.soudan, w.person, case=sharing.case)
        Assessment.objects.create(case=sharing.case, number=1, created_by=cls.soudan)
        SupportPlan.objects.create(
            case=sharing.case,
            number=1,
            long_term_goal="外出できる",
            short_term_goals="月1回面談",
            review_on=sharing.case.opened_on,
            created_by=cls.soudan,
        )
        twin = make_person(cls.window, "髙橋", "健太")
        first, second = sorted([w.person, twin], key=lambda p: p.pk)
        w.duplicate = DuplicateCandidate.objects.create(first=first, second=second, score=0.9)
        absorbed = make_person(cls.window, "高橋", "けんた")
        Person.objects.filter(pk=absorbed.pk).update(merged_into=twin)
        w.merge = PersonMerge.objects.create(
            kept=twin, merged=absorbed, merged_by=cls.world.staff["chousei"]
        )
        add_community(w, cls.world)
        add_supporters(w, cls.world)
        add_participation(w, cls.world)
        add_meeting_records(w, cls.world)
        w.import_batch = ImportBatch.objects.create(
            organisation=cls.window,
            uploaded_by=cls.soudan,
            file_name="相談記録.csv",
            sha256="0" * 64,
            size=100,
        )
        w.report_run = ReportRun.objects.create(
            organisation=cls.window,
            requested_by=cls.toukei,
            scope_kind="organisation",
            scope_code=str(cls.window.pk),
            years=[2025],
            status=ReportRun.Status.RUNNING,
        )
        w.saved_report = SavedReport.objects.create(
            organisation=cls.window, name="年代×相談方法", params={}, created_by=cls.toukei
        )
        cls.w = w
        cls.tokens = {
            persona: ApiToken.issue(user)[1]
            for persona, user in w.users.items()
            if user is not None
        }

    def test_every_route_is_in_the_matrix(self) -> None:
        names = set(route_names(get_resolver().url_patterns))

        self.assertEqual(sorted(names - set(ROUTES)), [], "routes without a rule in the matrix")
        self.assertEqual(sorted(set(ROUTES) - names), [], "rules for routes that do not exist")

    def test_the_document_is_printed_from_the_matrix(self) -> None:
        with open(settings.BASE_DIR / "docs" / "access-matrix.md", encoding="utf-8") as document:
            self.assertEqual(
                document.read(),
                access_matrix.document(),
                "run: python -m tsunagu.tests.access_matrix > docs/access-matrix.md",
            )

    def test_every_persona_gets_the_status_of_the_matrix(self) -> None:
        self.clients: dict[tuple[str, bool], Client] = {}
        mismatches = []
        for name, entry in ROUTES.items():
            url = reverse(name, kwargs=entry.kwargs(self.w), query=entry.query(self.w))
            for persona in PERSONAS:
                status = self.status_of(persona, entry, url, api=name.startswith("api-"))
                if status != entry.expected[persona]:
                    expected = entry.expected[persona]
                    mismatches.append(f"{name} {entry.method} {persona}: {status} ≠ {expected}")
        if mismatches:
            self.fail("statuses differ from the matrix:\n" + "\n".join(mismatches))

    def status_of(self, persona: str, entry: Route, url: str, *, api: bool) -> int:
        """The status, with whatever the request changed rolled back (personas stay independent)."""
        client = self.client_for(persona, api=api, fresh=entry.ends_session)
        with transaction.atomic():
            if entry.method == "GET":
                response = client.get(url)
            else:
                response = client.generic(
                    entry.method,
                    url,
                    data=json.dumps(entry.body or {}) if api else "",
                    content_type="application/json" if api else "application/x-www-form-urlencoded",
                )
            transaction.set_rollback(True)
        return response.status_code

    def client_for(self, persona: str, *, api: bool, fresh: bool) -> Client:
        """One client per persona, logged in once; a fresh one for a route that ends the session."""
        key = (persona, api)
        if fresh or key not in self.clients:
            client = self.new_client(persona, api=api)
            if fresh:
                return client
            self.clients[key] = client
        return self.clients[key]

    def new_client(self, persona: str, *, api: bool) -> Client:
        if api:
            token = self.tokens.get(persona)
            return Client(headers={"Authorization": f"Bearer {token}"} if token else {})
        client = VerifiedClient()
        user = self.w.users[persona]
        if user is not None:
            client.force_login(user)
        return client
