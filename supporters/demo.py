"""Three supporters of つなぐ市's window, one of them the `supporter` login of NPO ひだまり.

支援 ゆう went along on last week's visit to the 高橋 household (cases/demo.py) and filed a report
with a concern; another visit is planned for next week. Idempotent: runs after `build_cases`.
"""

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import World
from cases.models import Case
from supporters.models import Dispatch, Supporter, SupporterKind, Weekday
from supporters.services import dispatch_create, report_file, supporter_register, training_add

PEER_TRAINING = "ひきこもりピアサポーター養成研修（基礎）"

# name, kind, area, days, from, until, note, trainings (name, completed on, hours)
SUPPORTERS: list[tuple[str, str, str, list[str], time | None, time | None, str, list[Any]]] = [
    (
        "支援 ゆう",
        SupporterKind.PEER,
        "つなぐ市 中央地区",
        [Weekday.TUESDAY, Weekday.THURSDAY],
        time(10, 0),
        time(16, 0),
        "",
        [
            (PEER_TRAINING, date(2024, 7, 20), Decimal("12")),
            ("ピアサポーター フォローアップ研修", date(2025, 2, 15), Decimal("3")),
        ],
    ),
    (
        "森 さとし",
        SupporterKind.FORMER,
        "つなぐ市 北地区",
        [Weekday.SATURDAY, Weekday.SUNDAY],
        time(13, 0),
        time(17, 0),
        "月1回程度まで",
        [("ひきこもりサポーター養成研修", date(2023, 11, 11), Decimal("18"))],
    ),
    (
        "川口 まゆみ",
        SupporterKind.FAMILY,
        "つなぐ市 南地区",
        [],
        None,
        None,
        "平日の夜（18時以降）なら相談に応じられる",
        [("家族サポーター研修", date(2024, 10, 5), Decimal("6"))],
    ),
]


@transaction.atomic
def build_supporters(world: World) -> dict[str, Supporter]:
    window = world.organisations["window"]
    soudan = world.staff["soudan"]
    existing = {s.name: s for s in Supporter.objects.filter(organisation=window)}
    if existing:
        return existing
    supporters: dict[str, Supporter] = {}
    for name, kind, area, days, start, until, note, trainings in SUPPORTERS:
        supporter = supporter_register(
            organisation_id=window.pk,
            data={
                "name": name,
                "kind": kind,
                "user": world.staff["supporter"] if name == "支援 ゆう" else None,
                "area": area,
                "available_days": [str(day) for day in days],
                "available_from": start,
                "available_until": until,
                "availability_note": note,
                "is_active": True,
            },
            by=soudan,
        )
        for training_name, completed_on, hours in trainings:
            training_add(
                supporter=supporter,
                name=training_name,
                completed_on=completed_on,
                hours=hours,
                by=soudan,
            )
        supporters[name] = supporter
    case = Case.objects.filter(organisation=window, title="高橋さん世帯（父と長男）").first()
    if case is not None:
        _visits(world, supporters["支援 ゆう"], case)
    return supporters


def _visits(world: World, supporter: Supporter, case: Case) -> None:
    today = timezone.localdate()
    last_week = _dispatch(world, supporter, case, today + timedelta(days=1))
    # Planned for tomorrow, then moved to last week as time would have passed: the services take
    # no dispatch in the past.
    Dispatch.objects.filter(pk=last_week.pk).update(
        starts_at=_at(today - timedelta(days=7), time(14, 0)),
        ends_at=_at(today - timedelta(days=7), time(15, 0)),
    )
    last_week.refresh_from_db()
    report_file(
        dispatch=last_week,
        data={
            "what_happened": (
                "訪問さんと一緒に伺い、玄関先でお父さんと10分ほど話しました。"
                "息子さんの姿は見えませんでした。手紙を一緒に置きました。"
            ),
            "minutes_spent": 60,
            "concerns": "お父さんが足を痛そうにしていました。通院できているか気になります。",
        },
        by=world.staff["supporter"],
    )
    _dispatch(world, supporter, case, today + timedelta(days=7))


def _dispatch(world: World, supporter: Supporter, case: Case, day: date) -> Dispatch:
    return dispatch_create(
        organisation_id=case.organisation_id,
        supporter=supporter,
        data={
            "kind": Dispatch.Kind.HOME_VISIT,
            "case": case,
            "starts_at": _at(day, time(14, 0)),
            "ends_at": _at(day, time(15, 0)),
            "meeting_point": "つなぐ市役所 北口（市役所の公用車で向かいます）",
            "display_name": "しげるさん（お父さん）",
            "briefing": "インターホンは鳴らしません。職員と一緒に玄関先まで。",
            "worker": world.staff["houmon"],
            "contact_phone": "0120-000-000",
        },
        by=world.staff["soudan"],
    )


def _at(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))
