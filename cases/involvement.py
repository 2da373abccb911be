"""Who is involved with a household's members: their open cases and the agencies they were
connected to. Shown on the household page (8050: one household, several people, several agencies).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from accounts.access import visible_to
from accounts.models import User
from cases.models import Case, Stage
from collaboration.models import Referral


@dataclass
class Involvement:
    cases: list[Case] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)


def household_involvement(
    user: User, household_id: int, person_ids: list[int]
) -> tuple[list[Case], dict[int, Involvement]]:
    """The household's own open cases, and per member their open cases and agencies (2 queries)."""
    by_person: dict[int, Involvement] = defaultdict(Involvement)
    household_cases = []
    open_cases = visible_to(user, Case.objects.exclude(stage=Stage.CLOSED)).filter(
        person_id__in=person_ids
    ) | visible_to(user, Case.objects.exclude(stage=Stage.CLOSED)).filter(household_id=household_id)
    for case in open_cases.order_by("opened_on", "id"):
        if case.person_id in person_ids:
            by_person[case.person_id].cases.append(case)
        if case.household_id == household_id:
            household_cases.append(case)
    referrals = (
        visible_to(user, Referral.objects.exclude(state=Referral.State.FAILED))
        .filter(person_id__in=person_ids)
        .select_related("agency")
        .order_by("referred_on", "id")
    )
    for referral in referrals:
        agencies = by_person[referral.person_id].agencies
        label = f"{referral.agency.name}（{referral.get_state_display()}）"
        if label not in agencies:
            agencies.append(label)
    return household_cases, by_person
