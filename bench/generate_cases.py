"""Synthetic cases in one office of the demo world, for the page benchmark (bench/pages.py).

    .venv/bin/python bench/generate_cases.py --cases 10000 --seed 42

Every case is opened for the key person of a household drawn by bench/generate_people.py's
PersonFactory (same names, ages and household shapes), in つなぐ市's window — the office of the
demo world's personas (soudan, douryou, kansa …), so that their pages show these cases. Each case
has the intake consultation that opened it, a stage history, a team, a few activities (the contact
dates on the case follow from them), and some have a support plan with actions and referrals to
the demo agencies; every 25 cases a case conference puts five of them on its agenda. Every
record has its audit row, as the services write it (one chained append
per batch, `audit.services.audit_records`).

Rows are written with bulk_create, one transaction per --batch-size cases: no per-row service,
so no model signals; the consultations' years are announced as the spreadsheet import does
(`consultations.signals.consultations_bulk_written`). Dates are counted back from today, so that
the watch list and the day's consultations look like a working office on any day; the names and
the shape of the data depend on the seed only.

The demo world (and its agencies) is built first if missing, with a random password nobody
knows. The script refuses a database whose window already holds cases unless --append is given,
and refuses TSUNAGU_ENV=production.
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate_people import HouseholdPlan, PersonFactory, setup_django

if TYPE_CHECKING:
    from accounts.demo import World
    from accounts.models import User

DEFAULT_BATCH_SIZE = 1000
# The window's staff who lead cases (accounts.demo.STAFF).
LEAD_WORKERS = ("soudan", "douryou", "houmon", "chousei")
# Cases were opened over the last three years.
HISTORY_DAYS = 3 * 365

# Stage of the case now: most are being supported, a quarter closed.
STAGE_WEIGHTS = {
    "intake": 10,
    "assessment": 10,
    "plan": 8,
    "support": 25,
    "monitoring": 10,
    "keep_connected": 12,
    "closed": 25,
}
STAGES_WITH_PLAN = frozenset({"plan", "support", "monitoring", "keep_connected", "closed"})
CLOSURE_REASONS = ("goal_reached", "transferred", "moved", "persons_wish", "contact_lost")
ACTIVITY_KINDS = {
    "interview": 25,
    "phone": 30,
    "home_visit": 15,
    "letter": 5,
    "accompany": 5,
    "email_sns": 10,
    "agency_liaison": 7,
    "meeting": 3,
}
NOT_CONTACTS = frozenset({"agency_liaison", "meeting"})
MAX_ACTIVITIES = 4  # 0–4 per case, 2 on average
REFERRAL_RATE = 0.2
REFERRAL_STATES = {"proposed": 3, "accepted": 2, "connected": 3, "ended": 1, "failed": 1}
OPEN_REFERRAL_STATES = frozenset({"proposed", "accepted"})  # collaboration Referral.OPEN_STATES
CHANNELS = {
    "phone": 45,
    "visit": 25,
    "email": 8,
    "home_visit": 8,
    "sns": 6,
    "online": 4,
    "letter": 4,
}
CONSULTER_TYPES = {"family": 60, "person": 20, "agency": 15, "welfare_volunteer": 5}
CONCERNS = ("hikikomori", "family", "income", "health", "job_search", "care")
# One internal case conference per CASES_PER_MEETING cases, with AGENDA_CASES of them on its agenda.
CASES_PER_MEETING = 25
AGENDA_CASES = 5
# The activities of the record pages' case (CasePlanner.showcase): days after opening, kind.
SHOWCASE_ACTIVITIES = ((10, "interview"), (30, "phone"), (60, "home_visit"), (85, "phone"))


@dataclass
class CasePlan:
    """One case and what hangs from it, drawn before anything is written."""

    household: HouseholdPlan
    lead: str
    stage: str
    opened_on: date
    received_at: datetime
    channel: str
    consulter_type: str
    concern: str
    activities: list[tuple[datetime, str]] = field(default_factory=list)
    referrals: list[tuple[int, str, date]] = field(default_factory=list)  # agency index
    plan_review_on: date | None = None
    closed_on: date | None = None
    closure_reason: str = ""
    # A second consultation today, continuing the case (the record pages' case, see showcase).
    consulted_today: bool = False


@dataclass
class CaseResult:
    cases: int = 0
    persons: int = 0
    consultations: int = 0
    activities: int = 0
    referrals: int = 0
    plans: int = 0
    meetings: int = 0
    audit_rows: int = 0
    seconds: float = 0.0
    case_ids: list[int] = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


class CasePlanner:
    """Deterministic case plans: the same seed gives the same cases (dates counted from `today`)."""

    def __init__(self, seed: int, *, today: date, agencies: int) -> None:
        self.rng = random.Random(f"cases-{seed}")
        # The households (names, ages, relationships) come from the person generator's factory.
        self.factory = PersonFactory(seed, variant_rate=0.0)
        self.today = today
        self.agencies = agencies
        self.planned = 0

    def plans(self, count: int) -> list[CasePlan]:
        plans = [self.plan() for _ in range(count)]
        if plans and not self.planned:
            self.showcase(plans[0])
        self.planned += count
        return plans

    def showcase(self, plan: CasePlan) -> None:
        """The first case of every database has the same shape, so that the record pages
        (bench/pages.py: soudan's first case and its person) and today's consultations compare
        between sizes: soudan's, being supported for 90 days, four activities, a plan, an
        accepted referral, and a consultation today."""
        plan.lead = "soudan"
        plan.stage = "support"
        plan.opened_on = self.today - timedelta(days=90)
        plan.received_at = _at(plan.opened_on, self.rng)
        plan.closed_on, plan.closure_reason = None, ""
        plan.activities = [
            (_at(plan.opened_on + timedelta(days=offset), self.rng), kind)
            for offset, kind in (
                (10, "interview"),
                (30, "phone"),
                (60, "home_visit"),
                (85, "phone"),
            )
        ]
        plan.referrals = (
            [(0, "accepted", plan.opened_on + timedelta(days=40))] if self.agencies else []
        )
        plan.plan_review_on = self.today + timedelta(days=90)
        plan.consulted_today = True

    def plan(self) -> CasePlan:
        rng = self.rng
        size = rng.choices((1, 2, 3, 4, 5), (20, 30, 25, 15, 10))[0]
        opened_on = self.today - timedelta(days=rng.randrange(HISTORY_DAYS))
        received_at = _at(opened_on, rng)
        plan = CasePlan(
            household=self.factory.household(size),
            lead=rng.choice(LEAD_WORKERS),
            stage=_weighted(rng, STAGE_WEIGHTS),
            opened_on=opened_on,
            received_at=received_at,
            channel=_weighted(rng, CHANNELS),
            consulter_type=_weighted(rng, CONSULTER_TYPES),
            concern=rng.choice(CONCERNS),
        )
        days_open = (self.today - opened_on).days
        if plan.stage == "closed":
            plan.closed_on = opened_on + timedelta(days=rng.randint(0, days_open))
            plan.closure_reason = rng.choice(CLOSURE_REASONS)
        last_day = plan.closed_on or self.today
        span = (last_day - opened_on).days
        for _ in range(rng.randint(0, MAX_ACTIVITIES)):
            day = opened_on + timedelta(days=rng.randint(0, span))
            plan.activities.append((_at(day, rng), _weighted(rng, ACTIVITY_KINDS)))
        plan.activities.sort()
        if self.agencies and rng.random() < REFERRAL_RATE:
            referred_on = opened_on + timedelta(days=rng.randint(0, span))
            states = REFERRAL_STATES
            if plan.stage == "closed":  # a case with an undecided referral cannot be closed
                states = {s: w for s, w in states.items() if s not in OPEN_REFERRAL_STATES}
            agency = rng.randrange(self.agencies)
            plan.referrals.append((agency, _weighted(rng, states), referred_on))
        if plan.stage in STAGES_WITH_PLAN:
            plan.plan_review_on = opened_on + timedelta(days=rng.randint(90, 365))
        return plan


def _at(day: date, rng: random.Random) -> datetime:
    """A moment of office hours on `day`, in the local time zone."""
    from django.utils import timezone

    moment = datetime(day.year, day.month, day.day, rng.randint(9, 16), rng.randrange(60))
    return timezone.make_aware(moment)


# --- database -----------------------------------------------------------------------------------


def ensure_world() -> World:
    """The demo world as it is in the database; built (random password) if it is missing."""
    import secrets

    from accounts.demo import ORGANISATIONS, STAFF, World, build_world
    from accounts.models import Organisation, User
    from collaboration.demo import build_agencies

    names = {key: name for key, name, *_ in ORGANISATIONS}
    organisations = {o.name: o for o in Organisation.objects.filter(name__in=names.values())}
    staff = User.objects.in_bulk([username for username, *_ in STAFF], field_name="username")
    if len(organisations) < len(names) or len(staff) < len(STAFF):
        # Staff accounts get a random password nobody knows: this is not the demo.
        world = build_world(password=secrets.token_urlsafe(24), demo=False)
    else:
        world = World(
            organisations={key: organisations[name] for key, name in names.items()},
            staff={username: staff[username] for username, *_ in STAFF},
        )
    build_agencies(world)
    return world


class _Writer:
    """Writes one batch of case plans with bulk_create, in one transaction."""

    def __init__(self, world: World, today: date) -> None:
        from collaboration.models import Agency
        from people.keys import KeyCache

        self.world = world
        self.today = today
        self.office = world.organisations["window"]
        self.leads: dict[str, User] = {name: world.staff[name] for name in LEAD_WORKERS}
        self.agencies = list(
            Agency.objects.filter(local_government=self.office.local_government).order_by("pk")
        )
        self.keys = KeyCache()

    def write(self, plans: list[CasePlan], result: CaseResult) -> None:
        from django.db import transaction

        with transaction.atomic():
            persons, households = self._persons(plans)
            cases = self._cases(plans, persons, households)
            entries = self._history(plans, cases, persons, result)
            result.audit_rows += self._audit(entries)
        result.cases += len(cases)
        result.persons += sum(len(p) for p in persons)
        result.case_ids.extend(case.pk for case in cases)

    def _persons(self, plans: list[CasePlan]) -> tuple[list[list[Any]], list[Any]]:
        """The households' persons (the key person first), households and memberships; the
        persons of each plan and the households, in plan order."""
        from django.utils import timezone

        from people.models import Household, HouseholdMembership, Person

        now = timezone.now()
        office_id = self.office.pk
        rows = []
        for plan in plans:
            home = plan.household
            for member in home.members:
                values = member.person_fields()
                values.update(
                    organisation_id=office_id,
                    postal_code=home.postal_code,
                    address=home.address,
                    address_detail=home.address_detail,
                    created_by=self.leads[plan.lead],
                    created_at=now,
                    updated_at=now,
                )
                if values["estimated_age"] is not None:
                    values["estimated_on"] = plan.opened_on  # estimated at the intake
                values.update(self.keys.keys_for(values))
                rows.append(Person(**values))
        Person.objects.bulk_create(rows)
        households = Household.objects.bulk_create(
            Household(
                organisation_id=office_id,
                label=plan.household.label,
                postal_code=plan.household.postal_code,
                address=plan.household.address,
                created_at=now,
            )
            for plan in plans
        )
        persons: list[list[Any]] = []
        memberships: list[Any] = []
        position = 0
        for plan, household in zip(plans, households, strict=True):
            members = rows[position : position + len(plan.household.members)]
            position += len(members)
            persons.append(members)
            memberships.extend(
                HouseholdMembership(
                    household=household,
                    person=person,
                    relationship=member.relationship,
                    is_key_contact=member.is_key_contact,
                    lives_together=True,
                )
                for person, member in zip(members, plan.household.members, strict=True)
            )
        HouseholdMembership.objects.bulk_create(memberships)
        return persons, households

    def _cases(
        self, plans: list[CasePlan], persons: list[list[Any]], households: list[Any]
    ) -> list[Any]:
        from cases.models import Case
        from cases.titles import automatic_title
        from people.models import Person

        cases = []
        for plan, members, household in zip(plans, persons, households, strict=True):
            contacts = [
                timezone_day(at) for at, kind in plan.activities if kind not in NOT_CONTACTS
            ]
            met = [timezone_day(at) for at, kind in plan.activities if kind == "interview"]
            cases.append(
                Case(
                    organisation=self.office,
                    person=members[0],
                    household=household,
                    title=automatic_title(members[0]),
                    stage=plan.stage,
                    lead_worker=self.leads[plan.lead],
                    opened_on=plan.opened_on,
                    closure_reason=plan.closure_reason,
                    closed_on=plan.closed_on,
                    last_contact_on=max(contacts, default=None),
                    first_met_on=min(met, default=None),
                    review_on=plan.plan_review_on,
                )
            )
        Case.objects.bulk_create(cases)
        # case_open: the lead (who also opened it) is on the case's team and the person's.
        Case.team.through.objects.bulk_create(
            Case.team.through(case_id=case.pk, user_id=case.lead_worker_id) for case in cases
        )
        Person.team.through.objects.bulk_create(
            Person.team.through(person_id=case.person_id, user_id=case.lead_worker_id)
            for case in cases
        )
        return cases

    def _history(
        self, plans: list[CasePlan], cases: list[Any], persons: list[list[Any]], result: CaseResult
    ) -> list[Any]:
        """Stage changes, the intake consultation, activities, referrals and plans; the audit
        entries of what was created, in the order the services would write them."""
        from audit.models import AuditEvent
        from audit.services import AuditEntry
        from cases.models import Activity, PlanAction, StageChange, SupportPlan
        from cases.services import closure_note
        from collaboration.models import Referral, ReferralEvent
        from consultations.models import Consultation, Disposition
        from consultations.signals import consultations_bulk_written
        from tsunagu.dates import fiscal_year
        from tsunagu.office_hours import is_out_of_hours

        create = AuditEvent.Action.CREATE
        entries = [
            AuditEntry(action=create, actor=case.lead_worker, obj=case, fields=("title", "person"))
            for case in cases
        ]
        stage_changes, consultations, activities, referrals, support_plans = [], [], [], [], []
        for plan, case, members in zip(plans, cases, persons, strict=True):
            lead = case.lead_worker
            stage_changes.append(
                StageChange(case=case, to_stage="intake", by=lead, note="ケース開始")
            )
            if plan.stage != "intake":
                note = closure_note(plan.closure_reason, "") if plan.stage == "closed" else ""
                stage_changes.append(
                    StageChange(
                        case=case, from_stage="intake", to_stage=plan.stage, by=lead, note=note
                    )
                )
            person = members[0]
            consultations.append(
                Consultation(
                    organisation=self.office,
                    received_at=plan.received_at,
                    channel=plan.channel,
                    consulter_type=plan.consulter_type,
                    consulter_relationship="mother" if plan.consulter_type == "family" else "",
                    person=person,
                    age_at_contact=person.age(plan.opened_on),
                    categories=[plan.concern, "hikikomori"]
                    if plan.concern != "hikikomori"
                    else ["hikikomori"],
                    main_concern=plan.concern,
                    content="ベンチマーク用の相談内容（合成データ）。",
                    disposition=Disposition.CONTINUE,
                    case=case,
                    is_out_of_hours=is_out_of_hours(plan.received_at),
                    taken_by=lead,
                )
            )
            if plan.consulted_today:
                consultations.append(self._consultation_today(consultations[-1]))
            for at, kind in plan.activities:
                activities.append(
                    Activity(
                        case=case,
                        occurred_at=at,
                        kind=kind,
                        visit_outcome="family_only" if kind == "home_visit" else "",
                        met_person=kind == "interview",
                        content="ベンチマーク用の支援経過（合成データ）。",
                        is_out_of_hours=is_out_of_hours(at),
                        recorded_by=lead,
                    )
                )
            for agency, state, referred_on in plan.referrals:
                referrals.append(
                    Referral(
                        organisation=self.office,
                        case=case,
                        person=person,
                        agency=self.agencies[agency],
                        purpose="ベンチマーク用のつなぎ（合成データ）",
                        state=state,
                        failed_reason="連絡が取れなかった" if state == "failed" else "",
                        referred_on=referred_on,
                        follow_up_on=referred_on + timedelta(days=14),
                        referred_by=lead,
                    )
                )
            if plan.plan_review_on is not None:
                support_plans.append(
                    SupportPlan(
                        case=case,
                        number=1,
                        long_term_goal="安心して暮らせる",
                        short_term_goals="週に一度、電話で話す",
                        review_on=plan.plan_review_on,
                        created_by=lead,
                    )
                )
        StageChange.objects.bulk_create(stage_changes)
        Consultation.objects.bulk_create(consultations)
        Activity.objects.bulk_create(activities)
        Activity.participants.through.objects.bulk_create(
            Activity.participants.through(activity_id=a.pk, user_id=a.recorded_by_id)
            for a in activities
        )
        Referral.objects.bulk_create(referrals)
        ReferralEvent.objects.bulk_create(
            ReferralEvent(referral=r, state=r.state, by=r.referred_by) for r in referrals
        )
        SupportPlan.objects.bulk_create(support_plans)
        PlanAction.objects.bulk_create(
            PlanAction(plan=p, description="定期的に電話する", responsible_worker=p.created_by)
            for p in support_plans
        )
        meetings = self._meetings(cases, plans)
        for records, actor, fields in (
            (meetings, "created_by", ("kind", "title", "held_at")),
            (consultations, "taken_by", ("channel", "person", "main_concern")),
            (activities, "recorded_by", ("kind", "content")),
            (referrals, "referred_by", ("agency", "purpose")),
            (support_plans, "created_by", ("long_term_goal", "short_term_goals", "review_on")),
        ):
            entries.extend(
                AuditEntry(action=create, actor=getattr(r, actor), obj=r, fields=fields)
                for r in records
            )
        consultations_bulk_written.send(
            sender=Consultation,
            fiscal_years={fiscal_year(timezone_day(c.received_at)) for c in consultations},
        )
        result.consultations += len(consultations)
        result.activities += len(activities)
        result.referrals += len(referrals)
        result.plans += len(support_plans)
        result.meetings += len(meetings)
        return entries

    def _consultation_today(self, intake: Any) -> Any:
        """A later call about the same person, continuing the open case, earlier today."""
        from django.utils import timezone

        from tsunagu.office_hours import is_out_of_hours

        now = timezone.now()
        midnight = timezone.make_aware(
            datetime.combine(timezone.localdate(now), datetime.min.time())
        )
        later = copy.copy(intake)
        later.received_at = midnight + (now - midnight) / 2
        later.channel = "phone"
        later.is_out_of_hours = is_out_of_hours(later.received_at)
        return later

    def _meetings(self, cases: list[Any], plans: list[CasePlan]) -> list[Any]:
        """Case conferences of the window: the day after the newest of their agenda's cases
        was opened, every lead worker a member who attended."""
        from django.utils import timezone

        from collaboration.models import AgendaItem, Meeting, MeetingMember

        meetings, agenda = [], []
        for start in range(0, len(cases), CASES_PER_MEETING):
            on_agenda = list(zip(cases, plans, strict=True))[start : start + AGENDA_CASES]
            day = min(max(plan.opened_on for _, plan in on_agenda) + timedelta(days=1), self.today)
            meetings.append(
                Meeting(
                    organisation=self.office,
                    kind=Meeting.Kind.CASE_CONFERENCE,
                    title=f"定例ケース会議 {day.isoformat()}",
                    held_at=timezone.make_aware(datetime(day.year, day.month, day.day, 14)),
                    place="相談室1",
                    created_by=self.leads[LEAD_WORKERS[0]],
                )
            )
            agenda.append([case for case, _ in on_agenda])
        Meeting.objects.bulk_create(meetings)
        MeetingMember.objects.bulk_create(
            MeetingMember(meeting=meeting, user=lead, attended=True)
            for meeting in meetings
            for lead in self.leads.values()
        )
        AgendaItem.objects.bulk_create(
            AgendaItem(
                meeting=meeting, case=case, material="経過の共有", added_by=meeting.created_by
            )
            for meeting, on_agenda in zip(meetings, agenda, strict=True)
            for case in on_agenda
        )
        return meetings

    def _audit(self, entries: list[Any]) -> int:
        from audit.services import audit_records

        return len(audit_records(entries))


def timezone_day(moment: datetime) -> date:
    from django.utils import timezone

    return timezone.localtime(moment).date()


def generate(
    *,
    cases: int,
    seed: int,
    world: World,
    batch_size: int = DEFAULT_BATCH_SIZE,
    today: date | None = None,
    progress: Callable[[str], None] | None = None,
) -> CaseResult:
    """Create `cases` cases (with persons, consultations …) in the world's window."""
    from django.utils import timezone

    today = today or timezone.localdate()
    writer = _Writer(world, today)
    planner = CasePlanner(seed, today=today, agencies=len(writer.agencies))
    result = CaseResult()
    started = last_report = time.perf_counter()
    remaining = cases
    while remaining > 0:
        count = min(batch_size, remaining)
        writer.write(planner.plans(count), result)
        remaining -= count
        if progress and time.perf_counter() - last_report >= 10:
            last_report = time.perf_counter()
            rate = result.cases / (last_report - started)
            progress(f"  {result.cases:>8,} cases  {rate:>6,.0f} cases/s")
    result.seconds = time.perf_counter() - started
    return result


def analyze() -> None:
    """Planner statistics for the loaded tables (VACUUM too on PostgreSQL: index-only scans)."""
    from django.apps import apps
    from django.db import connection

    command = "VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE"
    labels = (
        "people.Person",
        "people.Household",
        "people.HouseholdMembership",
        "cases.Case",
        "cases.Activity",
        "cases.StageChange",
        "cases.SupportPlan",
        "consultations.Consultation",
        "collaboration.Referral",
        "audit.AuditEvent",
    )
    with connection.cursor() as cursor:
        for label in labels:
            table = apps.get_model(label)._meta.db_table
            cursor.execute(f"{command} {connection.ops.quote_name(table)}")


# --- command line -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, required=True, help="how many cases to create")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--append", action="store_true", help="add to the cases the window already holds"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from cases.models import Case

    if settings.PRODUCTION:
        print("本番環境では実行できません。/ Refusing to run with TSUNAGU_ENV=production.")
        return 2
    world = ensure_world()
    office = world.organisations["window"]
    existing = Case.objects.filter(organisation=office).count()
    if existing and not args.append:
        print(
            f"{office.name} already holds {existing:,} cases: give --append to add more, "
            "or use a fresh database.",
            file=sys.stderr,
        )
        return 2
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    print(f"generating {args.cases:,} cases (seed {args.seed}) in {office.name}, {where}")
    result = generate(
        cases=args.cases,
        seed=args.seed,
        world=world,
        batch_size=args.batch_size,
        progress=print,
    )
    analyze_started = time.perf_counter()
    analyze()
    print(
        f"done: {result.cases:,} cases, {result.persons:,} persons, "
        f"{result.consultations:,} consultations, {result.activities:,} activities, "
        f"{result.referrals:,} referrals, {result.plans:,} plans, {result.meetings:,} meetings, "
        f"{result.audit_rows:,} audit rows in {result.seconds:.1f} s "
        f"({result.cases / result.seconds:,.0f} cases/s); "
        f"(VACUUM) ANALYZE {time.perf_counter() - analyze_started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
