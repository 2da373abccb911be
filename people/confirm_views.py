"""The confirm steps of the people pages (tsunagu.confirm): what ending a household membership
and merging two persons will do, shown before anything changes."""

from datetime import date

from django.urls import reverse

from accounts.models import User
from people.access import can_see_identity
from people.models import HouseholdMembership, Person
from people.services import validate_membership_end
from tsunagu.confirm import Confirmation
from tsunagu.templatetags.japanese_dates import wareki


def person_label(user: User, person: Person) -> str:
    """The name, or 制限対象者 #id for who may not see who the person is."""
    return str(person) if can_see_identity(user, person) else person.restricted_label


def membership_end_confirmation(
    user: User, membership: HouseholdMembership, left_on: date
) -> Confirmation:
    """Refused (ValidationError) as ending the membership itself would be."""
    validate_membership_end(membership, left_on)
    household = membership.household
    name = person_label(user, membership.person)
    return Confirmation(
        heading=f"{name}さんの世帯からの離脱を記録します",
        details=[
            ("世帯", str(household)),
            ("世帯員", f"{name}（{membership.get_relationship_display()}）"),
            ("加入日", wareki(membership.joined_on) if membership.joined_on else "—"),
            ("離脱日", wareki(left_on)),
        ],
        consequences=[
            f"{wareki(left_on)}に離脱した世帯員として記録され、いまの世帯員の一覧から外れます。",
            "この世帯のケースの世帯員の欄からも外れます。",
            "これまでの記録（相談・ケース・世帯にいた期間）は消えません。",
        ],
        button="離脱を記録する",
        back_url=reverse("household_detail", args=[household.pk]),
    )
