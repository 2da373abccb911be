"""A host with an offer, for the placement and readiness tests."""

from typing import Any

from accounts.models import User
from participation.models import Host, HostKind, HostStatus, Offer, OfferKind


def make_offer(by: User, *, places: int = 1, title: str = "野菜の袋詰め", **fields: Any) -> Offer:
    assert by.organisation is not None
    host = Host.objects.create(
        owner=by.organisation,
        name="社会福祉法人 みどり会",
        kind=HostKind.SOCIAL_WELFARE,
        status=HostStatus.ACCEPTING,
        created_by=by,
    )
    return Offer.objects.create(
        host=host,
        kind=OfferKind.WORK_EXPERIENCE,
        title=title,
        tasks="裏の作業場で、一人で野菜を袋に詰める。",
        places=places,
        created_by=by,
        **fields,
    )
