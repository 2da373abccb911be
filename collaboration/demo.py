"""The demo directory of local agencies (地域資源) of the fictional つなぐ市, all fictional."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.demo import World
from cases.models import Case
from collaboration.models import (
    AdviceRequest,
    Agency,
    AgencyCategory,
    AgendaItem,
    Consent,
    InfoKind,
    Meeting,
    MeetingMember,
)
from people.models import Person

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


@transaction.atomic
def build_collaboration(world: World, persons: dict[str, Person]) -> None:
    """The 高橋 case shared as the deck's story goes on: the person's consent for the 地域包括, a
    支援会議 ahead with the 地域包括 worker (who still has to acknowledge confidentiality), and a
    request to the prefectural centre waiting for its answer."""
    son = persons["eldest_son"]
    case = Case.objects.filter(person=son).first()
    if case is None or Consent.objects.filter(person=son).exists():
        return
    soudan, chousei, houkatsu = (world.staff[key] for key in ("soudan", "chousei", "houkatsu"))
    today = timezone.localdate()
    case.team.add(houkatsu)
    Consent.objects.create(
        organisation=case.organisation,
        person=son,
        case=case,
        given_by=Consent.GivenBy.PERSON,
        method=Consent.Method.SIGNATURE,
        purpose="父親の介護と本人の生活について、地域包括支援センターと連携して支援するため",
        agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
        info_kinds=[InfoKind.BASIC, InfoKind.CONSULTATION, InfoKind.FAMILY],
        allows_multiagency_meeting=True,
        given_on=today - timedelta(days=14),
        expires_on=today + timedelta(days=351),
        recorded_by=soudan,
    )
    meeting = Meeting.objects.create(
        organisation=case.organisation,
        kind=Meeting.Kind.SUPPORT_MEETING,
        title="つなぐ市支援会議（定例）",
        held_at=timezone.make_aware(datetime.combine(today + timedelta(days=7), time(14, 0))),
        place="つなぐ市役所 第2会議室",
        created_by=chousei,
    )
    for user, acknowledged in ((chousei, True), (soudan, True), (houkatsu, False)):
        MeetingMember.objects.create(
            meeting=meeting,
            user=user,
            confidentiality_acknowledged_at=timezone.now() if acknowledged else None,
        )
    AgendaItem.objects.create(
        meeting=meeting,
        case=case,
        material="父（80代）の介護サービス導入と、長男への手紙による働きかけの進め方。",
        added_by=soudan,
    )
    AdviceRequest.objects.create(
        organisation=case.organisation,
        centre=world.organisations["centre"],
        case=case,
        question="手紙に返事がない状態が4か月続いています。訪問の頻度と次の一手について助言がほしい。",
        disciplines=["psychology", "welfare"],
        requested_by=soudan,
    )
