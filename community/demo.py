"""Demo 居場所: NPO ひだまり's weekly ibasho (毎週水曜), its 予約制 茶話会, and the city window's
家族会 that the father of the 高橋さん世帯 attends. Idempotent: nothing is added twice.
"""

from datetime import time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import World
from community.models import Audience, FamilyProgramme, Frequency, Place, Weekday
from community.services import (
    attend_anonymous,
    attend_nickname,
    attend_registered,
    curriculum_add,
    nickname_create,
    place_create,
    reserve,
    schedule_create,
)
from people.models import Person

WEEKS_OF_HISTORY = 6


@transaction.atomic
def build_community(world: World, persons: dict[str, Person]) -> None:
    if Place.objects.filter(name="ひだまりの居場所").exists():
        return
    staff, soudan = world.staff["ibasho"], world.staff["soudan"]
    npo, window = world.organisations["npo"], world.organisations["window"]
    start = timezone.localdate() - timedelta(weeks=WEEKS_OF_HISTORY)
    weekly = place_create(
        organisation_id=npo.pk,
        data={
            "name": "ひだまりの居場所",
            "audience": Audience.ANYONE,
            "address": "つなぐ市本町1-2-3 ひだまりハウス1階",
            "latitude": "35.000000",
            "longitude": "135.000000",
            "access_notes": "つなぐ駅から徒歩5分。段差なし、車いす用トイレあり。",
            "contact": "NPO法人 ひだまり 0120-000-000（平日10時〜17時）",
            "description": "予約はいりません。話さなくても、途中で帰っても大丈夫です。",
            "is_public": True,
        },
        by=staff,
    )
    _, weekly_sessions, _ = schedule_create(
        place=weekly, data=_weekly(start, Weekday.WEDNESDAY, time(13), time(16)), by=staff
    )
    tea = place_create(
        organisation_id=npo.pk,
        data={
            "name": "ひだまり茶話会（予約制）",
            "audience": Audience.YOUTH,
            "reservation_policy": "reservation",
            "capacity": 6,
            "address": "つなぐ市本町1-2-3 ひだまりハウス2階",
            "contact": "NPO法人 ひだまり 0120-000-000 またはSNSで",
            "is_public": True,
        },
        by=staff,
    )
    _, tea_sessions, _ = schedule_create(
        place=tea,
        data={
            **_weekly(start, Weekday.SATURDAY, time(14), time(16)),
            "frequency": Frequency.MONTHLY_NTH,
            "weeks_of_month": [2, 4],
            "programme": "tea",
        },
        by=staff,
    )
    family = place_create(
        organisation_id=window.pk,
        data={
            "name": "つなぐ市 ひきこもり家族教室",
            "audience": Audience.FAMILY,
            "family_programme": FamilyProgramme.PSYCHOEDUCATION,
            "address": "つなぐ市役所 別館3階 会議室",
            "contact": "つなぐ市 ひきこもり相談窓口 0120-111-111",
            "is_public": True,
        },
        by=soudan,
    )
    for number, title in enumerate(
        ("ひきこもりの理解", "本人との会話のコツ", "家族のセルフケア", "親なき後の生活設計"), 1
    ):
        curriculum_add(place=family, number=number, title=title, by=soudan)
    _, family_sessions, _ = schedule_create(
        place=family,
        data={
            **_weekly(start, Weekday.THURSDAY, time(18, 30), time(20, 30)),
            "frequency": Frequency.MONTHLY_NTH,
            "weeks_of_month": [3],
            "programme": "lecture",
        },
        by=soudan,
    )
    today = timezone.localdate()
    sora = nickname_create(
        organisation_id=npo.pk, data={"nickname": "そら", "age_band": "30s"}, by=staff
    )
    for session in weekly_sessions.created:
        if session.date < today:
            attend_nickname(session=session, nickname=sora, by=staff)
            attend_anonymous(session=session, head_count=2, first_time_count=0, by=staff)
    upcoming_tea = next((s for s in tea_sessions.created if s.date >= today), None)
    if upcoming_tea is not None:
        reserve(session=upcoming_tea, nickname=sora, channel="sns", by=staff)
    father = persons.get("shigeru")
    for session in family_sessions.created:
        if father is not None and session.date < today:
            attend_registered(session=session, person=father, by=soudan)


def _weekly(start: object, weekday: int, begin: time, end: time) -> dict[str, object]:
    return {
        "frequency": Frequency.WEEKLY,
        "weekday": weekday,
        "weeks_of_month": [],
        "day_of_month": None,
        "start_time": begin,
        "end_time": end,
        "starts_on": start,
        "ends_on": None,
        "closed_on_holidays": True,
        "programme": "free_space",
        "title": "",
    }
