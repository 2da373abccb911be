"""Records for the participation tests, entered through the services as a worker would."""

from decimal import Decimal
from typing import Any

from accounts.codes import with_check_digit as code_with_check_digit
from accounts.models import LocalGovernment, Organisation, OrganisationType, StaffRole, User
from accounts.roles import Role
from participation.models import Host, HostKind, HostStatus, Offer, OfferKind
from participation.services import host_create, offer_create


def host_data(name: str = "社会福祉法人 あおば会 あおばの里", **data: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": HostKind.SOCIAL_WELFARE,
        "status": HostStatus.ACCEPTING,
        "shared_in_prefecture": False,
        "postal_code": "",
        "address": "つなぐ市 青葉町2-3-1",
        "nearest_station": "青葉町バス停",
        "contact_name": "施設長 青木",
        "contact_phone": "0000-12-3456",
        "contact_email": "",
        "needs_and_worries": "初めての人への接し方が心配",
        "notes": "",
        **data,
    }


def make_host(by: User, name: str = "社会福祉法人 あおば会 あおばの里", **data: Any) -> Host:
    return host_create(data=host_data(name, **data), by=by)


def offer_data(title: str = "リネンたたみ", **data: Any) -> dict[str, Any]:
    values: dict[str, Any] = {name: False for name in Offer.CONDITION_FIELDS}
    values.update(
        {
            "kind": OfferKind.WORK_EXPERIENCE,
            "title": title,
            "tasks": "タオルをたたんで棚に戻す",
            "days_and_hours": "火・木 10:00〜11:00",
            "weekdays": ["tue", "thu"],
            "min_hours_per_week": Decimal("1"),
            "minutes_first_time": 60,
            "places": 2,
            "paid": False,
            "reward": "",
            "transport_note": "バス停から徒歩3分",
            "host_asks": "動きやすい服装で",
            "is_active": True,
            "quiet_room": True,
            "works_alone": True,
        }
    )
    values.update(data)
    return values


def make_offer(by: User, host: Host, title: str = "リネンたたみ", **data: Any) -> Offer:
    return offer_create(host=host, data=offer_data(title, **data), by=by)


def other_prefecture_worker() -> User:
    """A consultation worker of a window in another prefecture (やまなみ県 さくら村)."""
    prefecture = LocalGovernment.objects.create(
        code=code_with_check_digit("98000"), name="やまなみ県", kind=LocalGovernment.Kind.PREFECTURE
    )
    village = LocalGovernment.objects.create(
        code=code_with_check_digit("98301"),
        name="さくら村",
        kind=LocalGovernment.Kind.MUNICIPALITY,
        prefecture=prefecture,
    )
    organisation = Organisation.objects.create(
        name="さくら村 ひきこもり相談窓口",
        type=OrganisationType.MUNICIPAL_WINDOW,
        local_government=village,
    )
    user = User.objects.create_user(
        username="sakura", display_name="桜 一", organisation=organisation, password="x" * 20
    )
    StaffRole.objects.create(user=user, role=Role.CONSULTATION_WORKER)
    return user


def make_offer_of_own_host(
    by: User, *, places: int = 1, title: str = "野菜の袋詰め", **fields: Any
) -> Offer:
    """An offer of a new host of the worker's organisation (placement and readiness tests)."""
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
