"""Operational figures of a year: what the office did, beyond the ministry's tables."""

from dataclasses import dataclass, field
from datetime import date
from statistics import median

from django.db.models import Count, Min

from cases.models import Activity, Case, Stage, SupportPlan
from collaboration.models import Referral
from reports.aggregation import (
    consultations_in_year,
    contact_activities_in_year,
    fiscal_year_bounds,
    referrals_in_year,
)
from tsunagu.dates import fiscal_year_range

OUTREACH_KINDS = (Activity.Kind.HOME_VISIT, Activity.Kind.LETTER, Activity.Kind.ACCOMPANY)


@dataclass
class OperationalFigures:
    new_consultations: int = 0
    cases_by_stage: list[tuple[str, int]] = field(default_factory=list)
    plans_made: int = 0
    referrals_by_state: list[tuple[str, int]] = field(default_factory=list)
    outreach_contacts: int = 0
    out_of_hours_contacts: int = 0
    days_to_first_meeting: list[int] = field(default_factory=list)

    @property
    def median_days_to_first_meeting(self) -> float | None:
        return median(self.days_to_first_meeting) if self.days_to_first_meeting else None


def operational_figures(org_ids: tuple[int, ...], fiscal_year: int) -> OperationalFigures:
    start, end = fiscal_year_bounds(fiscal_year)
    first, last = fiscal_year_range(fiscal_year)
    figures = OperationalFigures()
    consultations = consultations_in_year(org_ids, fiscal_year)
    activities = contact_activities_in_year(org_ids, fiscal_year)
    figures.new_consultations = consultations.count()
    stages = dict(
        Case.objects.filter(organisation_id__in=org_ids, opened_on__range=(first, last))
        .order_by()
        .values_list("stage")
        .annotate(n=Count("id"))
    )
    figures.cases_by_stage = [(str(s.label), stages.get(s.value, 0)) for s in Stage]
    figures.plans_made = SupportPlan.objects.filter(
        case__organisation_id__in=org_ids, created_at__gte=start, created_at__lt=end
    ).count()
    referral_states = dict(
        referrals_in_year(org_ids, fiscal_year).values_list("state").annotate(n=Count("id"))
    )
    failed = (
        Referral.objects.filter(
            organisation_id__in=org_ids,
            referred_on__range=(first, last),
            state=Referral.State.FAILED,
        )
        .order_by()
        .count()
    )
    referral_states[Referral.State.FAILED] = failed
    figures.referrals_by_state = [
        (str(s.label), referral_states.get(s.value, 0)) for s in Referral.State
    ]
    figures.outreach_contacts = activities.filter(kind__in=OUTREACH_KINDS).count()
    figures.out_of_hours_contacts = (
        consultations.filter(is_out_of_hours=True).count()
        + activities.filter(is_out_of_hours=True).count()
    )
    figures.days_to_first_meeting = _days_to_first_meeting(org_ids, first, last)
    return figures


def _days_to_first_meeting(org_ids: tuple[int, ...], first: date, last: date) -> list[int]:
    """Days from a case's first consultation to the first meeting with the person, met this year."""
    from django.utils import timezone

    cases = (
        Case.objects.filter(organisation_id__in=org_ids, first_met_on__range=(first, last))
        .order_by()
        .annotate(first_consulted=Min("consultations__received_at"))
        .values_list("first_met_on", "first_consulted", "opened_on")
    )
    days = []
    for met_on, consulted_at, opened_on in cases:
        start = timezone.localdate(consulted_at) if consulted_at else opened_on
        if met_on is None:
            continue
        days.append(max(0, (met_on - start).days))
    return sorted(days)
