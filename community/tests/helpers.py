"""Places, sessions and participants as ibasho staff would have entered them."""

from datetime import date, time
from typing import Any

from accounts.models import Organisation, User
from community.models import Audience, Place, ReservationPolicy, Session
from community.services import place_create, session_create
from people.models import Person


def make_place(by: User, name: str = "ひだまりの居場所", **fields: Any) -> Place:
    assert by.organisation_id is not None
    data = {
        "name": name,
        "audience": Audience.PERSON,
        "address": "つなぐ市本町1-2-3 ひだまりハウス",
        "contact": "0120-000-000（平日10時〜17時）",
        "access_notes": "つなぐ駅から徒歩5分、段差なし",
        "is_public": True,
        **fields,
    }
    return place_create(organisation_id=by.organisation_id, data=data, by=by)


def make_reservation_place(by: User, capacity: int = 2, **fields: Any) -> Place:
    return make_place(
        by,
        name="予約制の茶話会",
        reservation_policy=ReservationPolicy.RESERVATION,
        capacity=capacity,
        **fields,
    )


def make_session(
    place: Place,
    by: User,
    day: date,
    start: time = time(13, 0),
    end: time = time(16, 0),
    **fields: Any,
) -> Session:
    data = {"date": day, "start_time": start, "end_time": end, "programme": "free_space", **fields}
    return session_create(place=place, data=data, staff=[by], by=by)


def make_person(organisation: Organisation, family: str, given: str, **fields: Any) -> Person:
    return Person.objects.create(
        organisation=organisation, family_name=family, given_name=given, **fields
    )
