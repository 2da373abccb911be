"""What another organisation sees of a case: the shared view, the centre's anonymised summary.

Both are built from the case's records here, so the pages cannot show more than the rules allow:
the shared view holds only the kinds of information its bases cover; the anonymised summary holds
no name, address, phone or free text written about the person.
"""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import timezone

from cases.models import Activity, Assessment, Case, DomainStatus, LifeDomain, MedicalFlag
from collaboration.models import InfoKind
from collaboration.sharing.access import Basis
from consultations.models import Consultation
from people.models import AgeBand, Person
from tsunagu.dates import wareki, wareki_year


def age_band_label(person: Person | None) -> str:
    if person is None:
        return AgeBand.UNKNOWN.label
    age = person.age()
    if age is None:
        return AgeBand(person.age_band or AgeBand.UNKNOWN).label
    return AgeBand.for_age(age).label


@dataclass
class SharedCaseView:
    """The parts of a case shown to a worker of another organisation, by kind of information."""

    case: Case
    bases: list[Basis]
    info_kinds: frozenset[str]
    shows_identity: bool
    person_label: str
    consultations: list[Consultation] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    household: list[dict[str, str]] = field(default_factory=list)
    assessment: Assessment | None = None

    @property
    def shows(self) -> dict[str, bool]:
        return {kind: kind in self.info_kinds for kind in InfoKind.values}

    @property
    def medical_flags(self) -> list[str]:
        flags = (self.assessment.medical_flags or []) if self.assessment else []
        return [MedicalFlag(flag).label for flag in flags if flag in MedicalFlag.values]


def shared_case_view(case: Case, bases: list[Basis]) -> SharedCaseView:
    info_kinds = frozenset().union(*(basis.info_kinds for basis in bases))
    shows_identity = any(basis.shows_identity for basis in bases)
    view = SharedCaseView(
        case=case,
        bases=bases,
        info_kinds=info_kinds,
        shows_identity=shows_identity,
        person_label=person_label(case.person, shows_identity=shows_identity),
    )
    if InfoKind.CONSULTATION in info_kinds:
        view.consultations = list(case.consultations.order_by("-received_at")[:50])
        view.activities = list(case.activities.order_by("-occurred_at")[:50])
    if InfoKind.FAMILY in info_kinds:
        view.household = household_lines(case, shows_identity=shows_identity)
    if InfoKind.HEALTH in info_kinds:
        view.assessment = case.assessments.order_by("-number").first()
    return view


def person_label(person: Person | None, *, shows_identity: bool) -> str:
    if person is None:
        return "本人（未登録）"
    if shows_identity:
        return str(person)  # the name, else the alias (e.g. Bさんの長男), else 氏名不明 #id
    if person.is_restricted:
        return person.restricted_label
    return f"本人（氏名非開示・#{person.pk}）"


def household_lines(case: Case, *, shows_identity: bool) -> list[dict[str, str]]:
    if case.household is None:
        return []
    memberships = case.household.memberships.filter(left_on__isnull=True).select_related("person")
    return [
        {
            "relationship": membership.get_relationship_display(),
            "age_band": age_band_label(membership.person),
            "name": str(membership.person)
            if shows_identity and not membership.person.is_restricted
            else "",
            "lives_together": "同居" if membership.lives_together else "別居",
        }
        for membership in memberships
    ]


@dataclass
class AnonymisedSummary:
    """For the prefectural centre: no name, address, phone or free text about the person."""

    age_band: str
    sex: str
    household: list[dict[str, str]]
    stage: str
    opened_year_month: str
    outing_level: str
    state_since: str
    guideline_stage: str
    life_domains: list[tuple[str, str]]
    history: list[tuple[str, str]]
    referrals: list[tuple[str, str, str]]


def anonymised_summary(case: Case) -> AnonymisedSummary:
    person = case.person
    assessment = case.assessments.order_by("-number").first()
    return AnonymisedSummary(
        age_band=age_band_label(person),
        sex=person.get_sex_display() if person else "不明",
        household=household_lines(case, shows_identity=False),
        stage=case.get_stage_display(),
        opened_year_month=wareki_month(case.opened_on),
        outing_level=assessment.get_outing_level_display()
        if assessment and assessment.outing_level
        else "未確認",
        state_since=_state_since(assessment),
        guideline_stage=assessment.get_guideline_stage_display()
        if assessment and assessment.guideline_stage
        else "未確認",
        life_domains=_life_domains(assessment),
        history=_history(case),
        referrals=[
            (
                f"{referral.referred_on:%Y年%-m月}",
                referral.agency.get_category_display(),
                referral.get_state_display(),
            )
            for referral in case.referrals.select_related("agency").order_by("referred_on")
        ],
    )


def wareki_month(day: date) -> str:
    return f"{wareki_year(day)}{day.month}月"


def _state_since(assessment: Assessment | None) -> str:
    if assessment is None or assessment.state_since_year is None:
        return "不明"
    month = f"{assessment.state_since_month}月" if assessment.state_since_month else ""
    approximate = "頃" if assessment.since_is_approximate else ""
    year = wareki_year(date(assessment.state_since_year, assessment.state_since_month or 1, 1))
    return f"{year}{month}{approximate}から"


def _life_domains(assessment: Assessment | None) -> list[tuple[str, str]]:
    if assessment is None:
        return []
    return [
        (LifeDomain(domain).label, DomainStatus(status).label)
        for domain, status in assessment.life_domains.items()
        if domain in LifeDomain.values and status in DomainStatus.values
    ]


def _history(case: Case) -> list[tuple[str, str]]:
    """Month and kind of each contact, oldest first; what was said stays with the municipality."""
    rows: list[tuple[Any, str]] = [
        (consultation.received_at, f"相談受付（{consultation.get_channel_display()}）")
        for consultation in case.consultations.all()
    ]
    rows += [
        (activity.occurred_at, activity.get_kind_display() + _met(activity))
        for activity in case.activities.all()
    ]
    rows.sort(key=lambda row: row[0])
    return [(wareki(timezone.localtime(at).date()), label) for at, label in rows]


def _met(activity: Activity) -> str:
    if activity.visit_outcome:
        return f"（{activity.get_visit_outcome_display()}）"
    return "（本人と会えた）" if activity.met_person else ""
