"""The open cases of a household and of its members, for the household page (8050: one
household, several people, several cases). The agencies they were connected to come from
`collaboration.referrals.involvement`; the page puts the two side by side."""

from collections import defaultdict

from accounts.access import visible_to
from accounts.models import User
from cases.models import Case, Stage


def household_cases(
    user: User, household_id: int, person_ids: list[int]
) -> tuple[list[Case], dict[int, list[Case]]]:
    """The household's own open cases, and each member's open cases (1 query)."""
    by_person: dict[int, list[Case]] = defaultdict(list)
    own = []
    open_cases = visible_to(user, Case.objects.exclude(stage=Stage.CLOSED))
    for case in (
        open_cases.filter(person_id__in=person_ids) | open_cases.filter(household_id=household_id)
    ).order_by("opened_on", "id"):
        if case.person_id in person_ids:
            by_person[case.person_id].append(case)
        if case.household_id == household_id:
            own.append(case)
    return own, by_person
