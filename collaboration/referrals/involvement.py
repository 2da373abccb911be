"""The agencies a household's members were connected to, for the household page."""

from collections import defaultdict

from accounts.access import visible_to
from accounts.models import User
from collaboration.models import Referral


def agencies_by_person(user: User, person_ids: list[int]) -> dict[int, list[str]]:
    """Per person, the agencies of their referrals that did not fail, with the state (1 query)."""
    by_person: dict[int, list[str]] = defaultdict(list)
    referrals = (
        visible_to(user, Referral.objects.exclude(state=Referral.State.FAILED))
        .filter(person_id__in=person_ids)
        .select_related("agency")
        .order_by("referred_on", "id")
    )
    for referral in referrals:
        label = f"{referral.agency.name}（{referral.get_state_display()}）"
        if label not in by_person[referral.person_id]:
            by_person[referral.person_id].append(label)
    return by_person
