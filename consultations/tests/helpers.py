"""Shared helpers for the intake tests: the form as a worker on the phone would fill it in."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import LocalGovernment
from collaboration.models import Agency, AgencyCategory, Referral
from consultations.models import Consultation
from people.models import Person

# A Tuesday morning, inside office hours (08:30-17:15), not a holiday.
WEEKDAY_MORNING = "2025-04-08T10:15"
# A Saturday.
SATURDAY = "2025-04-05T10:15"


def make_agency(
    local_government: LocalGovernment,
    name: str = "つなぐ地域若者サポートステーション",
    category: str = AgencyCategory.YOUTH_SUPPORT_STATION,
) -> Agency:
    return Agency.objects.create(local_government=local_government, name=name, category=category)


def follow_up_in(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def intake_data(**overrides: Any) -> dict[str, Any]:
    """A mother calls about her son of 34 who has stayed at home for years; advice only.

    The person is new (named); every other field is as the form posts it.
    """
    data: dict[str, Any] = {
        "received_at": WEEKDAY_MORNING,
        "channel": "phone",
        "consulter_type": "family",
        "consulter_relationship": "mother",
        "consulter_agency": "",
        "consulter_name": "山田 和子",
        "person_mode": "new",
        "person_q": "",
        "family_name": "山田",
        "given_name": "健太",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "ケンタ",
        "alias": "",
        "age_at_contact": "34",
        "categories": ["hikikomori", "family"],
        "main_concern": "hikikomori",
        "content": "息子が5年ほど自室から出てこない。\n本人は相談に来ることを嫌がっている。",
        "urgency": "normal",
        "disposition": "information",
        "referral_agency": "",
        "referral_purpose": "",
        "referral_follow_up_on": "",
        "draft": "",
    }
    data.update(overrides)
    return data


def counts() -> dict[str, int]:
    """How many persons, consultations, cases and referrals exist: nothing half-created."""
    from cases.models import Case

    return {
        "persons": Person.objects.count(),
        "consultations": Consultation.objects.count(),
        "cases": Case.objects.count(),
        "referrals": Referral.objects.count(),
    }
