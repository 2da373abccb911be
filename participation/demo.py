"""Demo hosts: two developed by the prefecture's centre and shared in the prefecture (p.35's
社会福祉法人 with carved-out tasks, p.36's farm), and a local shop つなぐ市's window is still
developing, unshared. Idempotent: a host is found again by its owner and name."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.demo import World
from participation.models import Host, HostKind, HostStatus, OfferKind
from participation.services import host_create, offer_create, tour_record, visit_record
from supporters.models import Weekday

# owner key, staff username, host data, offers (data)
HOSTS: list[tuple[str, str, dict[str, Any], list[dict[str, Any]]]] = [
    (
        "centre",
        "centre",
        {
            "name": "社会福祉法人 あおば会 特別養護老人ホーム あおばの里",
            "kind": HostKind.SOCIAL_WELFARE,
            "status": HostStatus.ACCEPTING,
            "shared_in_prefecture": True,
            "postal_code": "",
            "address": "つなぐ市 青葉町2-3-1",
            "nearest_station": "つなぐ駅からバス10分（青葉町下車）",
            "contact_name": "施設長 青木",
            "contact_phone": "0000-12-3456",
            "needs_and_worries": "人手が足りない洗濯物たたみ・配膳準備を手伝ってほしい。"
            "初めての人への接し方が心配なので、最初は支援者に付き添ってほしい。",
        },
        [
            {
                "kind": OfferKind.WORK_EXPERIENCE,
                "title": "リネンたたみと配膳の準備",
                "tasks": "洗濯したタオル・シーツをたたんで棚に戻す。昼食前にお盆と箸を並べる。"
                "利用者さんと話す必要はありません。",
                "days_and_hours": "火・木 10:00〜11:00（慣れたら延長可）",
                "weekdays": [Weekday.TUESDAY, Weekday.THURSDAY],
                "min_hours_per_week": Decimal("1"),
                "minutes_first_time": 60,
                "places": 2,
                "no_phone_work": True,
                "quiet_room": True,
                "works_alone": True,
                "no_customer_contact": True,
                "starts_with_one_hour": True,
                "accompaniment_possible": True,
                "insured": True,
                "paid": False,
                "reward": "",
                "transport_note": "バス停から徒歩3分。自転車可。",
                "host_asks": "動きやすい服装で。休むときは前日までに窓口経由で連絡を。",
                "is_active": True,
            }
        ],
    ),
    (
        "centre",
        "centre",
        {
            "name": "みなと農園",
            "kind": HostKind.FARM,
            "status": HostStatus.ACCEPTING,
            "shared_in_prefecture": True,
            "postal_code": "",
            "address": "みなと町 西浜120",
            "nearest_station": "みなと駅から車で10分（送迎あり）",
            "contact_name": "園主 浜田",
            "needs_and_worries": "収穫期（6〜10月）に人手がほしい。",
        },
        [
            {
                "kind": OfferKind.FARMING,
                "title": "野菜の袋詰めと畑の草取り",
                "tasks": "収穫した野菜を計って袋に詰める。畑の草取り。一人で黙々とできる作業です。",
                "days_and_hours": "月・水・金 9:00〜12:00のうち希望の時間",
                "weekdays": [Weekday.MONDAY, Weekday.WEDNESDAY, Weekday.FRIDAY],
                "min_hours_per_week": Decimal("2"),
                "minutes_first_time": 60,
                "places": 3,
                "works_alone": True,
                "no_phone_work": True,
                "no_customer_contact": True,
                "starts_with_one_hour": True,
                "accompaniment_possible": True,
                "insured": True,
                "paid": True,
                "reward": "野菜のお土産と謝礼（1時間500円）",
                "transport_note": "みなと駅から送迎あり（前日までに連絡）。",
                "host_asks": "",
                "is_active": True,
            }
        ],
    ),
    (
        "window",
        "soudan",
        {
            "name": "まちの本屋 ひなた堂",
            "kind": HostKind.SHOP,
            "status": HostStatus.DEVELOPING,
            "shared_in_prefecture": False,
            "postal_code": "",
            "address": "つなぐ市 本町1-5",
            "nearest_station": "つなぐ駅 徒歩5分",
            "contact_name": "店主 日向",
            "needs_and_worries": "閉店後の棚の整理なら手伝ってもらえるかもしれない、とのこと。",
        },
        [],
    ),
]


@transaction.atomic
def build_participation(world: World) -> list[Host]:
    hosts = []
    today = timezone.localdate()
    for owner_key, username, data, offers in HOSTS:
        owner = world.organisations[owner_key]
        worker = world.staff[username]
        host = Host.objects.filter(owner=owner, name=data["name"]).first()
        if host is None:
            host = host_create(data=data, by=worker)
            visit_record(
                host=host,
                data={
                    "visited_on": today - timedelta(days=30),
                    "notes": "事業の説明。" + data["needs_and_worries"],
                    "next_step": "切り出せる作業を一緒に書き出す",
                    "next_step_on": today + timedelta(days=7),
                },
                by=worker,
            )
            for offer in offers:
                offer_create(host=host, data=offer, by=worker)
            if offers:
                tour_record(
                    host=host,
                    held_on=today - timedelta(days=14),
                    notes="県内の窓口向け見学会。作業の様子と休憩室を見学。",
                    attendees=[world.staff["soudan"], world.staff["minato"]],
                    by=worker,
                )
        hosts.append(host)
    return hosts
