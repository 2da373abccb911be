"""Consultations recorded through the service, as the intake page would record them."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from consultations.models import Consultation
from consultations.services import consultation_record
from people.models import Person


def record(
    by: User,
    person: Person,
    received_at: datetime | None = None,
    *,
    disposition: str = "information",
    agency_id: int | None = None,
    follow_up_on: date | None = None,
    **data: Any,
) -> Consultation:
    values: dict[str, Any] = {
        "received_at": received_at or timezone.now(),
        "channel": "phone",
        "consulter_type": "family",
        "consulter_relationship": "mother",
        "main_concern": "hikikomori",
        "categories": ["hikikomori"],
        "disposition": disposition,
    }
    values.update(data)
    assert by.organisation_id is not None
    return consultation_record(
        organisation_id=by.organisation_id,
        data=values,
        person=person,
        agency_id=agency_id,
        referral_purpose="就労に向けた相談" if agency_id else "",
        referral_follow_up_on=follow_up_on,
        by=by,
    )
