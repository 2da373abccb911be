"""Records for the supporter tests, entered through the services as a worker would."""

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from accounts.models import User
from cases.models import Case
from cases.tests.helpers import open_case
from supporters.models import Dispatch, Supporter
from supporters.services import dispatch_create, supporter_register, training_add


def local_minute(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def in_days(days: int, hour: int = 14) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, datetime.min.time().replace(hour=hour)))


def register(
    by: User, name: str = "支援 ゆう", *, user: User | None = None, **data: Any
) -> Supporter:
    assert by.organisation_id is not None
    supporter = supporter_register(
        organisation_id=by.organisation_id,
        data={"name": name, "kind": "peer", "user": user, "area": "中央地区", **data},
        by=by,
    )
    training_add(
        supporter=supporter,
        name="ピアサポーター養成研修",
        completed_on=timezone.localdate() - timedelta(days=100),
        hours=Decimal("12.5"),
        by=by,
    )
    return supporter


def dispatch(
    by: User, supporter: Supporter, case: Case | None = None, *, days: int = 3, **data: Any
) -> Dispatch:
    assert by.organisation_id is not None
    if case is None:
        case = open_case(by)
    return dispatch_create(
        organisation_id=by.organisation_id,
        supporter=supporter,
        data={
            "kind": "home_visit",
            "case": case,
            "starts_at": in_days(days),
            "ends_at": None,
            "meeting_point": "つなぐ駅 北口の改札",
            "display_name": "けんたさん",
            "briefing": "玄関先まで。猫の話が好き。",
            "worker": by,
            "contact_phone": "090-1234-5678",
            **data,
        },
        by=by,
    )


def moved_to_past(item: Dispatch, days: int = 1) -> Dispatch:
    """The dispatch as it is once its time has passed (the services take no past dispatch)."""
    Dispatch.objects.filter(pk=item.pk).update(starts_at=in_days(-days))
    item.refresh_from_db()
    return item
