"""The demo directory of local agencies (地域資源) of the fictional つなぐ市, all fictional."""

from accounts.demo import World
from collaboration.models import Agency, AgencyCategory

C = AgencyCategory

# name, category, address, phone, hours, world organisation key (when it uses tsunagu)
AGENCIES = [
    (
        "つなぐ市中央地域包括支援センター",
        C.COMMUNITY_GENERAL_SUPPORT,
        "つなぐ市本町1-2-3",
        "099-100-1001",
        "平日 8:30〜17:15",
        "houkatsu",
    ),
    (
        "つなぐ市自立相談支援センター",
        C.SELF_RELIANCE_OFFICE,
        "つなぐ市本町2-1",
        "099-100-1002",
        "平日 9:00〜17:00",
        "jiritsu",
    ),
    (
        "つなぐ市福祉事務所",
        C.WELFARE_OFFICE,
        "つなぐ市役所2階",
        "099-100-1003",
        "平日 8:30〜17:15",
        "",
    ),
    (
        "つなぐ市保健センター",
        C.PUBLIC_HEALTH,
        "つなぐ市緑町4-5",
        "099-100-1004",
        "平日 8:30〜17:15",
        "",
    ),
    (
        "つなぐ総合病院 医療相談室",
        C.MEDICAL,
        "つなぐ市川端町10",
        "099-100-1005",
        "平日 9:00〜16:00",
        "",
    ),
    ("ハローワークつなぐ", C.HELLO_WORK, "つなぐ市駅前3-3", "099-100-1006", "平日 8:30〜17:15", ""),
    (
        "つなぐ地域若者サポートステーション",
        C.YOUTH_SUPPORT_STATION,
        "つなぐ市駅前5-1",
        "099-100-1007",
        "火〜土 10:00〜18:00",
        "",
    ),
    (
        "NPO法人 ひだまり",
        C.PRIVATE_GROUP,
        "つなぐ市桜町8-2",
        "099-100-1008",
        "水・土 13:00〜17:00",
        "npo",
    ),
    (
        "つなぐ県精神保健福祉センター",
        C.MENTAL_HEALTH_CENTRE,
        "つなぐ県庁東館",
        "099-200-2001",
        "平日 9:00〜17:00",
        "",
    ),
]


def build_agencies(world: World) -> dict[str, Agency]:
    city = world.organisations["window"].local_government
    agencies = {}
    for name, category, address, phone, hours, organisation_key in AGENCIES:
        agencies[name], _ = Agency.objects.update_or_create(
            local_government=city,
            name=name,
            defaults={
                "category": category,
                "address": address,
                "phone": phone,
                "hours": hours,
                "area": "つなぐ市全域",
                "organisation": world.organisations.get(organisation_key),
            },
        )
    return agencies
