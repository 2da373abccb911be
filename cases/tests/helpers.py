"""Shared records for the case and referral tests, as a worker would have entered them."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from accounts.models import Organisation, User
from cases.models import Case
from cases.services import case_open
from collaboration.models import Agency, AgencyCategory, Referral
from people.models import Person


def days_ago(days: int) -> date:
    return timezone.localdate() - timedelta(days=days)


def make_person(
    organisation: Organisation, family_name: str, given_name: str, **fields: Any
) -> Person:
    return Person.objects.create(
        organisation=organisation, family_name=family_name, given_name=given_name, **fields
    )


def open_case(
    lead: User,
    person: Person | None = None,
    *,
    title: str = "高橋 健太さんの支援",
    opened_days_ago: int = 60,
    **fields: Any,
) -> Case:
    assert lead.organisation is not None
    if person is None:
        person = make_person(lead.organisation, "高橋", "健太", family_name_kana="タカハシ")
    case = case_open(
        organisation_id=lead.organisation.pk,
        title=title,
        lead_worker=lead,
        person_id=person.pk,
        opened_on=days_ago(opened_days_ago),
        by=lead,
        **fields,
    )
    return Case.objects.get(pk=case.pk)


def follow_up_passed(referral: Referral, follow_up_on: date) -> Referral:
    """The referral as it is once its follow-up date has passed: the services take no date in the
    past, so the date is set afterwards, as time would have moved on."""
    Referral.objects.filter(pk=referral.pk).update(follow_up_on=follow_up_on)
    referral.refresh_from_db()
    return referral


def make_agency(
    lead: User,
    name: str = "つなぐ市中央地域包括支援センター",
    category: str = AgencyCategory.COMMUNITY_GENERAL_SUPPORT,
    **fields: Any,
) -> Agency:
    assert lead.organisation is not None
    return Agency.objects.create(
        local_government=lead.organisation.local_government, name=name, category=category, **fields
    )
