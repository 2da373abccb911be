"""Shared helpers for the people tests: records as a worker would have entered them."""

from datetime import date
from typing import Any

from accounts.models import Organisation, User
from people.models import Household, HouseholdMembership, Person, PersonPhone


def make_person(
    organisation: Organisation,
    family_name: str = "",
    given_name: str = "",
    family_name_kana: str = "",
    given_name_kana: str = "",
    *,
    team: tuple[User, ...] = (),
    phones: tuple[str, ...] = (),
    **fields: Any,
) -> Person:
    person = Person.objects.create(
        organisation=organisation,
        family_name=family_name,
        given_name=given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
        **fields,
    )
    person.team.add(*team)
    for number in phones:
        PersonPhone.objects.create(person=person, number=number)
    return person


def make_household(organisation: Organisation, label: str, **fields: Any) -> Household:
    return Household.objects.create(organisation=organisation, label=label, **fields)


def add_member(
    household: Household,
    person: Person,
    relationship: str,
    joined_on: date | None = None,
    left_on: date | None = None,
) -> HouseholdMembership:
    return HouseholdMembership.objects.create(
        household=household,
        person=person,
        relationship=relationship,
        joined_on=joined_on,
        left_on=left_on,
    )


def person_form_data(**overrides: Any) -> dict[str, Any]:
    """Everything the person form posts, blank except what is given."""
    data: dict[str, Any] = {
        "family_name": "",
        "given_name": "",
        "family_name_kana": "",
        "given_name_kana": "",
        "koseki_kana": "",
        "alias": "",
        "birth_date": "",
        "estimated_age": "",
        "age_band": "",
        "sex": "unknown",
        "postal_code": "",
        "address": "",
        "address_detail": "",
        "phone": "",
        "phone_hours": "",
        "contact_note": "",
        "restriction_reason": "",
        "version": "",
    }
    data.update(overrides)
    return data
