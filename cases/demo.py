"""The deck's story of p.59, begun: a care manager's call about a withdrawn son, months of letters.

The son has not been met yet, so the case shows on the watch list. Idempotent.
"""

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import World
from cases.models import Activity, Case
from cases.services import activity_add
from collaboration.models import Agency
from consultations.intake import consultation_record
from consultations.models import Category, ConsulterType, Disposition
from people.models import Household, Person


@transaction.atomic
def build_cases(world: World, persons: dict[str, Person], agencies: dict[str, Agency]) -> None:
    son = persons["eldest_son"]
    if Case.objects.filter(person=son).exists():
        return
    soudan = world.staff["soudan"]
    today = timezone.localdate()
    first_call = _at(today - timedelta(days=120), time(10, 30))
    household = Household.objects.filter(memberships__person=son).first()
    consultation = consultation_record(
        organisation_id=world.organisations["window"].pk,
        data={
            "received_at": first_call,
            "channel": "phone",
            "consulter_type": ConsulterType.AGENCY,
            "consulter_agency": agencies["つなぐ市中央地域包括支援センター"],
            "consulter_name": "ケアマネジャー",
            "categories": [Category.HIKIKOMORI, Category.CARE],
            "main_concern": Category.HIKIKOMORI,
            "content": (
                "担当している父親（80代）の長男が長年ひきこもっている様子。家族以外とは話さない。"
            ),
            "disposition": Disposition.CONTINUE,
        },
        person=son,
        household_id=household.pk if household else None,
        by=soudan,
    )
    case = consultation.case
    assert case is not None  # CONTINUE always opens or continues a case
    Case.objects.filter(pk=case.pk).update(
        opened_on=first_call.date(), title="高橋さん世帯（父と長男）", contact_every_days=14
    )
    case.stage_changes.update(at=first_call)
    case.refresh_from_db()
    for weeks, hour in ((16, 18), (12, 11), (8, 19), (4, 10), (2, 14)):
        activity_add(
            case=case,
            data={
                "occurred_at": _at(today - timedelta(weeks=weeks), time(hour, 0)),
                "kind": Activity.Kind.LETTER,
                "content": "玄関に手紙とチラシを置いた。返事はまだない。",
                "next_action": "2週間後にまた手紙を置く",
                # The latest letter's next step falls today: it shows on the worker's home.
                "next_action_on": today - timedelta(weeks=weeks - 2),
            },
            by=world.staff["houmon"],
        )


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))
