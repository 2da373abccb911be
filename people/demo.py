"""Demo persons and households drawn from the deck's stories (p.58-59), all fictional."""

from datetime import date

from django.db import transaction

from accounts.demo import World
from accounts.models import Organisation
from people.duplicates import find_duplicates, record_candidates
from people.models import AgeBand, Household, HouseholdMembership, Person, Sex

# key: (organisation key, fields)
PERSONS: dict[str, tuple[str, dict[str, object]]] = {
    "shigeru": (
        "window",
        {
            "family_name": "高橋",
            "given_name": "茂",
            "family_name_kana": "タカハシ",
            "given_name_kana": "シゲル",
            "birth_date": date(1944, 6, 2),
            "sex": Sex.MALE,
            "postal_code": "1000001",
            "address": "東京都千代田区千代田",
            "address_detail": "1-1",
        },
    ),
    "eldest_son": (
        "window",
        {
            "alias": "高橋さんの長男",
            "estimated_age": 52,
            "estimated_on": date(2025, 4, 1),
            "sex": Sex.MALE,
            "contact_preferences": ["letter_only", "no_visit"],
            "contact_note": "ドアの前に手紙を置く。インターホンは鳴らさない。",
        },
    ),
    "kenichi": (
        "window",
        {
            "family_name": "齋藤",
            "given_name": "健一",
            "family_name_kana": "サイトウ",
            "given_name_kana": "ケンイチ",
            "birth_date": date(1976, 9, 14),
            "sex": Sex.MALE,
        },
    ),
    "yumi": (
        "window",
        {
            "family_name": "齋藤",
            "given_name": "由美",
            "family_name_kana": "サイトウ",
            "given_name_kana": "ユミ",
            "birth_date": date(1979, 1, 20),
            "sex": Sex.FEMALE,
        },
    ),
    "sho": (
        "window",
        {
            "family_name": "齋藤",
            "given_name": "翔",
            "family_name_kana": "サイトウ",
            "given_name_kana": "ショウ",
            "birth_date": date(2007, 5, 3),
            "sex": Sex.MALE,
        },
    ),
    "misaki": (
        "window",
        {
            "family_name": "齋藤",
            "given_name": "美咲",
            "family_name_kana": "サイトウ",
            "given_name_kana": "ミサキ",
            "birth_date": date(2011, 11, 11),
            "sex": Sex.FEMALE,
        },
    ),
    # The same mother entered again by another worker, with a different kanji and reading style.
    "yumi_again": (
        "window",
        {
            "family_name": "斉藤",
            "given_name": "由美",
            "family_name_kana": "さいとう",
            "given_name_kana": "ゆみ",
            "birth_date": date(1979, 1, 20),
            "sex": Sex.FEMALE,
        },
    ),
    "sakura": (
        "window",
        {
            "family_name": "山﨑",
            "given_name": "さくら",
            "family_name_kana": "ヤマサキ",
            "given_name_kana": "サクラ",
            "age_band": AgeBand.THIRTIES,
            "sex": Sex.FEMALE,
            "is_restricted": True,
            "restriction_reason": "dv",
        },
    ),
    "minato_shigeru": (
        "minato",
        {
            "family_name": "高橋",
            "given_name": "茂",
            "family_name_kana": "タカハシ",
            "given_name_kana": "シゲル",
            "birth_date": date(1950, 2, 1),
            "sex": Sex.MALE,
        },
    ),
}

# label, organisation key, [(person key, relationship, lives together, key contact)]
HOUSEHOLDS = [
    (
        "高橋さん世帯（8050）",
        "window",
        [("shigeru", "head", True, True), ("eldest_son", "child", True, False)],
    ),
    (
        "齋藤さん世帯",
        "window",
        [
            ("kenichi", "head", True, False),
            ("yumi", "spouse", True, True),
            ("sho", "child", True, False),
            ("misaki", "child", True, False),
        ],
    ),
]


@transaction.atomic
def build_people(world: World) -> dict[str, Person]:
    """Create the demo persons and households once (idempotent)."""
    soudan = world.staff["soudan"]
    persons = {}
    for key, (organisation_key, fields) in PERSONS.items():
        persons[key] = _person(world.organisations[organisation_key], fields)
        persons[key].team.add(soudan if organisation_key == "window" else world.staff["minato"])
    for label, organisation_key, members in HOUSEHOLDS:
        household, _ = Household.objects.get_or_create(
            organisation=world.organisations[organisation_key], label=label
        )
        for person_key, relationship, together, key_contact in members:
            HouseholdMembership.objects.get_or_create(
                household=household,
                person=persons[person_key],
                defaults={
                    "relationship": relationship,
                    "lives_together": together,
                    "is_key_contact": key_contact,
                },
            )
    again = persons["yumi_again"]
    scope = Person.objects.current().filter(organisation=again.organisation)
    record_candidates(again, find_duplicates(again, set(), scope))
    return persons


def _person(organisation: Organisation, fields: dict[str, object]) -> Person:
    identity = {name: fields.get(name, "") for name in ("family_name", "given_name", "alias")}
    person = Person.objects.filter(organisation=organisation, **identity).first()
    if person is None:
        person = Person(organisation=organisation, **fields)
        person.save()
    return person
