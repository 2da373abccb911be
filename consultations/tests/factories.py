"""Consultations recorded through the service, as the intake page would record them."""

from datetime import date, datetime
from typing import Any

from django.utils import timezone

from accounts.models import User
from collaboration.models import Referral
from consultations.intake import consultation_record
from consultations.models import Consultation
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
    today = timezone.localdate()
    consultation = consultation_record(
        organisation_id=by.organisation_id,
        data=values,
        person=person,
        agency_id=agency_id,
        referral_purpose="就労に向けた相談" if agency_id else "",
        # The service takes no follow-up date in the past: one already past is set afterwards,
        # as time would have moved on since the consultation.
        referral_follow_up_on=max(follow_up_on, today) if follow_up_on else None,
        by=by,
    )
    if follow_up_on is not None and follow_up_on < today:
        Referral.objects.filter(pk=consultation.referral_id).update(follow_up_on=follow_up_on)
    return consultation
