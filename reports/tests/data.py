"""A known data set for 平成29年度 (FY2017) whose every table cell is worked out by hand.

つなぐ市の窓口 (window), FY2017 (2017-04-01 .. 2018-03-31, Japan time):
  table A: 10代 3 (p1, p2, p10) | 20代 1 (p9) | 30代 1 (p3) | 40代 1 (p4) | 50代以上 1 (p7)
           | 年齢不明 3 (p5, p6 unnamed; p11 whose first contact recorded no age) | 合計 10
  table B: 電話 3 | メール 4 | 来所 4 | 訪問等 4 | 合計 15
  table C: ハローワーク 2 | 医療機関 1 | 合計 3 (a 不成立 one and one of FY2018 not counted)
つなぐ市 (municipality) adds the self-reliance office: one person of 37 by phone.
つなぐ県 (prefecture) adds みなと町: one unnamed person by e-mail.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from accounts.demo import World
from accounts.models import Organisation, User
from cases.models import Activity, Case
from collaboration.models import Agency, AgencyCategory, Referral
from consultations.models import Consultation
from people.models import Person

JST = ZoneInfo("Asia/Tokyo")
FY = 2017

WINDOW_A = {"10代": 3, "20代": 1, "30代": 1, "40代": 1, "50代以上": 1, "年齢不明": 3, "合計": 10}
WINDOW_B = {"電話": 3, "メール": 4, "来所": 4, "訪問等": 4, "合計": 15}
WINDOW_C_NONZERO = {"ハローワーク": 2, "医療機関": 1}


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=JST)


@dataclass
class KnownData:
    persons: dict[str, Person] = field(default_factory=dict)
    consultations: list[Consultation] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


class _Builder:
    def __init__(self, world: World) -> None:
        self.world = world
        self.data = KnownData()
        self.cases: dict[str, Case] = {}

    def person(
        self, key: str, organisation: Organisation, birth: date | None, name: str = ""
    ) -> Person:
        person = Person.objects.create(
            organisation=organisation,
            family_name=name,
            alias="" if name else f"{key}さん（氏名不明）",
            birth_date=birth,
        )
        self.data.persons[key] = person
        return person

    def consult(
        self, key: str, when: datetime, channel: str, *, age: int | None = None, by: str = "soudan"
    ) -> None:
        person = self.data.persons[key]
        user: User = self.world.staff[by]
        self.data.consultations.append(
            Consultation.objects.create(
                organisation=person.organisation,
                received_at=when,
                channel=channel,
                consulter_type="family",
                person=person,
                age_at_contact=age,
                categories=["hikikomori"],
                main_concern="hikikomori",
                disposition="continue",
                is_out_of_hours=when.hour >= 17,
                taken_by=user,
            )
        )

    def activity(self, key: str, when: datetime, kind: str) -> None:
        person = self.data.persons[key]
        if key not in self.cases:
            self.cases[key] = Case.objects.create(
                organisation=person.organisation,
                person=person,
                title=f"{key}のケース",
                lead_worker=self.world.staff["soudan"],
                opened_on=date(2016, 4, 1),
            )
        self.data.activities.append(
            Activity.objects.create(
                case=self.cases[key],
                occurred_at=when,
                kind=kind,
                content="記録",
                recorded_by=self.world.staff["soudan"],
            )
        )

    def refer(self, key: str, agency: Agency, on: date, state: str) -> None:
        person = self.data.persons[key]
        self.data.referrals.append(
            Referral.objects.create(
                organisation=person.organisation,
                person=person,
                agency=agency,
                purpose="就労に向けた相談",
                state=state,
                referred_on=on,
                follow_up_on=on,
                referred_by=self.world.staff["soudan"],
            )
        )


def build_known_data(world: World) -> KnownData:
    window = world.organisations["window"]
    city = window.local_government
    b = _Builder(world)
    b.person("p1", window, date(2000, 6, 15), "青木")
    b.consult("p1", at(2017, 6, 10), "phone", age=16)
    b.consult("p1", at(2017, 7, 1), "email", age=17)
    # First moment of the year; the birthday is the next day, so still 19.
    b.person("p2", window, date(1997, 4, 2), "井上")
    b.consult("p2", at(2017, 4, 1, 0, 30), "visit")
    # Consulted on the 30th birthday: 30代. Liaison and meetings are not contacts.
    b.person("p3", window, date(1987, 9, 1), "上田")
    b.consult("p3", at(2017, 9, 1), "phone")
    b.activity("p3", at(2017, 10, 1), "home_visit")
    b.activity("p3", at(2017, 11, 1), "letter")
    b.activity("p3", at(2017, 11, 2), "agency_liaison")
    b.activity("p3", at(2017, 11, 3), "meeting")
    b.person("p4", window, None, "江藤")
    b.consult("p4", at(2017, 5, 1), "sns", age=45)
    b.person("p5", window, None)
    b.consult("p5", at(2017, 8, 1), "home_visit")
    b.person("p6", window, None)
    b.consult("p6", at(2017, 8, 2, 18), "online")
    # Last moment of the year.
    b.person("p7", window, date(1960, 1, 1), "小川")
    b.consult("p7", at(2018, 3, 31, 23, 30), "fax")
    # Outside the year on both sides.
    b.person("p8", window, date(1990, 1, 1), "加藤")
    b.consult("p8", at(2017, 3, 31, 23, 50), "phone")
    b.consult("p8", at(2018, 4, 1, 0, 10), "phone")
    # A continuing case: only activities in the year.
    b.person("p9", window, date(1995, 5, 5), "木村")
    b.consult("p9", at(2016, 10, 1), "visit", age=21)
    b.activity("p9", at(2017, 5, 10), "interview")
    b.person("p10", window, date(1999, 1, 1), "工藤")
    b.activity("p10", at(2017, 4, 10), "phone")
    b.consult("p10", at(2017, 12, 1), "accompany", age=30)
    # No birth date and the first contact of the year records no age: 年齢不明.
    b.person("p11", window, None, "小林")
    b.activity("p11", at(2017, 4, 5), "email_sns")
    b.consult("p11", at(2017, 6, 1), "visit", age=33)

    hello_work = Agency.objects.create(
        local_government=city, name="ハローワークつなぐ", category=AgencyCategory.HELLO_WORK
    )
    hospital = Agency.objects.create(
        local_government=city, name="つなぐ病院", category=AgencyCategory.MEDICAL
    )
    school = Agency.objects.create(
        local_government=city, name="つなぐ市教育委員会", category=AgencyCategory.SCHOOL
    )
    b.refer("p3", hello_work, date(2017, 10, 5), Referral.State.CONNECTED)
    b.refer("p4", hello_work, date(2017, 6, 1), Referral.State.PROPOSED)
    b.refer("p1", hospital, date(2018, 3, 31), Referral.State.ACCEPTED)
    b.refer("p5", hospital, date(2017, 4, 1), Referral.State.FAILED)
    b.refer("p6", school, date(2018, 4, 1), Referral.State.CONNECTED)

    b.person("j1", world.organisations["jiritsu"], date(1980, 1, 10), "佐藤")
    b.consult("j1", at(2017, 6, 1), "phone", by="jiritsu")
    b.person("m1", world.organisations["minato"], None)
    b.consult("m1", at(2017, 6, 1), "email", by="minato")
    return b.data
