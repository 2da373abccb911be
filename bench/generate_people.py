"""Synthetic Japanese persons and households for the search benchmark (bench/search.py).

    .venv/bin/python bench/generate_people.py --persons 100000 --seed 42

Names are drawn from bench/data/surnames.tsv and bench/data/given_names.tsv by frequency weight
(both include spellings with variant kanji: 髙橋, 渡邉, 齋藤, 𠮷田 ...). Persons live in households
of 1–6 members (self, spouse, parents, children, siblings, a grandparent) with a shared surname
and address. Everything is drawn from one ``random.Random(seed)`` against a fixed reference date,
so a seed always gives the same persons in the same order.

For a known share of the named persons (``--variant-rate``, default 2 %) a query a worker might
type for that person is written to a ground-truth file (JSON lines, one query per line, with the
expected person id): the name with a kanji variant swapped in or out, the reading in hiragana or
half-width katakana, a reading with a long-vowel or small-kana error, or kanji and reading mixed.

All persons go into one organisation, ベンチマーク用機関, created under the demo world's local
government (the demo world is built first if missing). The script refuses a database that
already holds persons unless ``--append`` (add more) or ``--reset`` (delete the benchmark
organisation's persons and households, and the rows referring to them, first) is given.

PostgreSQL is loaded with COPY, SQLite with executemany (bulk_create on request), in one
transaction per batch of about --batch-size persons.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import random
import sys
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from accounts.models import Organisation

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA = Path(__file__).resolve().parent / "data"
SURNAMES_PATH = BENCH_DATA / "surnames.tsv"
GIVEN_NAMES_PATH = BENCH_DATA / "given_names.tsv"

BENCH_ORGANISATION_NAME = "ベンチマーク用機関"
# Ages and birth dates are counted from here, not from today, so that a seed never drifts.
REFERENCE_DATE = date(2026, 4, 1)
DEFAULT_VARIANT_RATE = 0.02
DEFAULT_BATCH_SIZE = 5000

MALE, FEMALE = "male", "female"

# Relationship templates by household size, as seen from the key person ("self").
HOUSEHOLD_SIZES = (1, 2, 3, 4, 5, 6)
# Roughly the 2020 census shares (single 38 %, two 28 %, three 16 %, four 12 %, five+ 6 %).
HOUSEHOLD_SIZE_WEIGHTS = (38, 28, 16, 12, 4, 2)
TEMPLATES: dict[int, tuple[tuple[str, ...], ...]] = {
    1: (("self",),),
    2: (("self", "mother"), ("self", "spouse"), ("self", "father")),
    3: (("self", "father", "mother"), ("self", "spouse", "child"), ("self", "mother", "sibling")),
    4: (("self", "spouse", "child", "child"), ("self", "father", "mother", "sibling")),
    5: (
        ("self", "spouse", "child", "child", "mother"),
        ("self", "father", "mother", "sibling", "grandparent"),
    ),
    6: (("self", "spouse", "child", "child", "father", "mother"),),
}
KIN_ALIAS = {
    ("self", MALE): "本人（男性）",
    ("self", FEMALE): "本人（女性）",
    ("child", MALE): "長男",
    ("child", FEMALE): "長女",
    ("sibling", MALE): "兄弟",
    ("sibling", FEMALE): "姉妹",
}

TOWNS = (
    "本町", "中央", "緑町", "旭町", "栄町", "若葉台", "桜ヶ丘", "港町", "大手町", "東町",
    "西町", "南町", "北町", "青葉", "日の出町", "松原", "川端町", "新町", "朝日町", "錦町",
)  # fmt: skip
CHOME = "一二三四五"

# Shares of persons (of all generated) with these traits.
NO_READING_RATE = 0.03  # reading never asked or not known
KOSEKI_KANA_RATE = 0.25  # the koseki reading was checked and recorded
NO_BIRTH_DATE_RATE = 0.04  # age only estimated
UNNAMED_RATE = 0.005  # known only by an alias (佐藤さんの長男)
NICKNAME_RATE = 0.01  # named, with a nickname as alias
SPOUSE_OTHER_SURNAME_RATE = 0.05
SELF_MALE_RATE = 0.6

# Query kinds of the ground truth and their weights among the kinds that apply to a person.
QUERY_KINDS: tuple[tuple[str, float], ...] = (
    ("kanji_variant", 3.0),
    ("hiragana", 2.0),
    ("halfwidth", 1.5),
    ("reading_error", 3.0),
    ("mixed", 1.5),
)
READING_ERROR_WEIGHTS = {"long_vowel": 4.0, "small_kana": 4.0, "oo_ou": 2.0}
SEPARATORS = ("", " ", "　")
SEPARATOR_WEIGHTS = (5, 3, 2)

_SMALL_KANA = dict(zip("ャュョッァィゥェォ", "ヤユヨツアイウエオ", strict=True))
_O_ROW = set("オコゴソゾトドノホボポモヨョロヲ")
_U_ROW = set("ウクグスズツヅヌフブプムユュルヴ")
_E_ROW = set("エケゲセゼテデネヘベペメレ")
_HIRAGANA = {cp + 0x60: cp for cp in range(0x3041, 0x3097)}


# --- name data ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NameEntry:
    text: str
    reading: str
    weight: int
    sex: str = ""


class WeightedChoice:
    """Weighted draws from a fixed list with one random() each (stable across Python versions)."""

    def __init__(self, entries: Sequence[NameEntry]) -> None:
        if not entries:
            raise ValueError("no entries to choose from")
        self.entries = list(entries)
        self.cumulative = list(itertools.accumulate(entry.weight for entry in self.entries))

    def pick(self, rng: random.Random) -> NameEntry:
        point = rng.random() * self.cumulative[-1]
        return self.entries[bisect.bisect_right(self.cumulative, point)]


def load_names(path: Path) -> list[NameEntry]:
    """Rows of a name TSV (header line first): text, reading (katakana), [sex,] weight."""
    lines = path.read_text(encoding="utf-8").splitlines()
    entries = []
    for lineno, line in enumerate(lines[1:], start=2):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) == 3:
            text, reading, weight = fields
            sex = ""
        elif len(fields) == 4:
            text, reading, sex, weight = fields
        else:
            raise ValueError(f"{path.name}:{lineno}: expected 3 or 4 tab-separated fields")
        entries.append(NameEntry(text, reading, int(weight), sex))
    return entries


def variant_alternatives() -> dict[str, tuple[str, ...]]:
    """Every character of the kanji variant table → the spellings it can be swapped with."""
    from people.names import variant_rows

    variants_of: dict[str, list[str]] = {}
    for row in variant_rows():
        variants_of.setdefault(row.canonical, []).append(row.variant)
    swaps = {canonical: tuple(variants) for canonical, variants in variants_of.items()}
    for canonical, variants in variants_of.items():
        for variant in variants:
            swaps[variant] = (canonical,)
    return swaps


# --- kana helpers -------------------------------------------------------------------------------


def to_hiragana(katakana: str) -> str:
    return katakana.translate(_HIRAGANA)


def _halfwidth_table() -> dict[str, str]:
    table = {}
    for cp in range(0xFF61, 0xFFA0):
        half = chr(cp)
        full = unicodedata.normalize("NFKC", half)
        if len(full) == 1:
            table.setdefault(full, half)
    return table


_HALFWIDTH = _halfwidth_table()
_HALF_VOICED = {"\u3099": "\uff9e", "\u309a": "\uff9f"}


def to_halfwidth(katakana: str) -> str:
    """Full-width katakana → half-width (ガ → ｶﾞ); characters without a half form are kept."""
    out = []
    for ch in katakana:
        if ch in _HALFWIDTH:
            out.append(_HALFWIDTH[ch])
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        if base in _HALFWIDTH and all(mark in _HALF_VOICED for mark in marks):
            out.append(_HALFWIDTH[base] + "".join(_HALF_VOICED[mark] for mark in marks))
        else:
            out.append(ch)
    return "".join(out)


def reading_errors(reading: str) -> list[tuple[int, str, str]]:
    """Plausible mistakes in a katakana reading: (position, replacement, kind)."""
    found = []
    for pos, ch in enumerate(reading):
        prev = reading[pos - 1] if pos else ""
        if ch in _SMALL_KANA:
            found.append((pos, _SMALL_KANA[ch], "small_kana"))  # キョウコ → キヨウコ
        elif ch == "ウ" and (prev in _O_ROW or prev in _U_ROW):
            found.append((pos, "ー", "long_vowel"))  # サトウ → サトー, ユウコ → ユーコ
        elif ch == "イ" and prev in _E_ROW:
            found.append((pos, "ー", "long_vowel"))  # ケイコ → ケーコ
        elif ch == "オ" and prev in _O_ROW:
            found.append((pos, "ー", "long_vowel"))  # オオノ → オーノ
            found.append((pos, "ウ", "oo_ou"))  # オオノ → オウノ, トオル → トウル
    return found


# --- plans (pure Python, no database) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """A query a worker might type, and which key decides which persons it cannot tell apart."""

    text: str
    kind: str
    detail: str
    # name: the written name; reading: the full reading; family_name+given_reading and
    # family_reading+given_name: the mixed spellings (people.models.Person.search_keys).
    match: str


@dataclass(slots=True)
class PersonPlan:
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    koseki_kana: str
    alias: str
    birth_date: date | None
    estimated_age: int | None
    age_band: str
    sex: str
    relationship: str
    is_key_contact: bool = False
    query: Query | None = None

    def person_fields(self) -> dict[str, Any]:
        return {
            "family_name": self.family_name,
            "given_name": self.given_name,
            "family_name_kana": self.family_name_kana,
            "given_name_kana": self.given_name_kana,
            "koseki_kana": self.koseki_kana,
            "alias": self.alias,
            "birth_date": self.birth_date,
            "estimated_age": self.estimated_age,
            "estimated_on": REFERENCE_DATE if self.estimated_age is not None else None,
            "age_band": self.age_band,
            "sex": self.sex,
        }


@dataclass(slots=True)
class HouseholdPlan:
    label: str
    postal_code: str
    address: str
    address_detail: str
    members: list[PersonPlan] = field(default_factory=list)


def age_band(age: int) -> str:
    """people.models.AgeBand.for_age, without importing Django."""
    if age < 10:
        return "under_10"
    if age >= 80:
        return "80plus"
    return f"{age // 10 * 10}s"


class PersonFactory:
    """Deterministic households of synthetic persons: same seed, same plans, in the same order."""

    def __init__(self, seed: int, *, variant_rate: float = DEFAULT_VARIANT_RATE) -> None:
        self.rng = random.Random(seed)
        self.variant_rate = variant_rate
        self.surnames = WeightedChoice(load_names(SURNAMES_PATH))
        given = load_names(GIVEN_NAMES_PATH)
        self.given = {
            sex: WeightedChoice([entry for entry in given if entry.sex == sex])
            for sex in (MALE, FEMALE)
        }
        self.swaps = variant_alternatives()

    def persons(self, count: int) -> Iterator[HouseholdPlan]:
        """Households until `count` persons in all; the last one is cut to fit."""
        remaining = count
        while remaining > 0:
            size = self.rng.choices(HOUSEHOLD_SIZES, HOUSEHOLD_SIZE_WEIGHTS)[0]
            household = self.household(min(size, remaining))
            remaining -= len(household.members)
            yield household

    def household(self, size: int) -> HouseholdPlan:
        rng = self.rng
        template = rng.choice(TEMPLATES[size])
        surname = self.surnames.pick(rng)
        self_age = self._self_age(template)
        self_sex = MALE if rng.random() < SELF_MALE_RATE else FEMALE
        town = rng.randrange(len(TOWNS))
        chome = rng.randrange(len(CHOME))
        household = HouseholdPlan(
            label=f"{surname.text}さん世帯",
            postal_code=f"000{town:02d}{chome + 1:02d}",
            address=f"つなぐ県つなぐ市{TOWNS[town]}{CHOME[chome]}丁目",
            address_detail=f"{rng.randint(1, 30)}-{rng.randint(1, 20)}",
        )
        for relationship in template:
            age, sex = self._age_and_sex(relationship, self_age, self_sex)
            own_surname = surname
            if (relationship == "spouse" and rng.random() < SPOUSE_OTHER_SURNAME_RATE) or (
                relationship == "grandparent" and rng.random() < 0.5
            ):
                own_surname = self.surnames.pick(rng)
            household.members.append(self._person(relationship, own_surname, age, sex))
        key_contacts = [m for m in household.members if m.relationship != "self"]
        (rng.choice(key_contacts) if key_contacts else household.members[0]).is_key_contact = True
        for member in household.members:
            if member.family_name and rng.random() < self.variant_rate:
                member.query = self.query_for(member)
        return household

    def _self_age(self, template: tuple[str, ...]) -> int:
        if "grandparent" in template:
            return self.rng.randint(15, 35)
        if "father" in template or "mother" in template:
            return self.rng.randint(15, 55)
        if "child" in template:
            return self.rng.randint(30, 60)
        return self.rng.randint(18, 85)

    def _age_and_sex(self, relationship: str, self_age: int, self_sex: str) -> tuple[int, str]:
        rng = self.rng
        other = FEMALE if self_sex == MALE else MALE
        either = MALE if rng.random() < 0.5 else FEMALE
        match relationship:
            case "self":
                return self_age, self_sex
            case "spouse":
                return max(18, self_age + rng.randint(-5, 5)), other
            case "father":
                return min(100, self_age + rng.randint(24, 38)), MALE
            case "mother":
                return min(100, self_age + rng.randint(22, 36)), FEMALE
            case "child":
                return max(0, self_age - rng.randint(22, 38)), either
            case "grandparent":
                return min(102, self_age + rng.randint(48, 62)), either
            case _:  # sibling
                return max(0, self_age + rng.randint(-8, 8)), either

    def _person(self, relationship: str, surname: NameEntry, age: int, sex: str) -> PersonPlan:
        rng = self.rng
        given = self.given[sex].pick(rng)
        birth = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age) - timedelta(
            days=rng.randrange(1, 365)
        )
        person = PersonPlan(
            family_name=surname.text,
            given_name=given.text,
            family_name_kana=surname.reading,
            given_name_kana=given.reading,
            koseki_kana="",
            alias="",
            birth_date=birth,
            estimated_age=None,
            age_band="unknown",
            sex=sex,
            relationship=relationship,
        )
        if rng.random() < NO_BIRTH_DATE_RATE:
            person.birth_date = None
            person.estimated_age = max(0, round(age / 5) * 5)
            person.age_band = age_band(age)
        if rng.random() < NO_READING_RATE:
            person.family_name_kana = person.given_name_kana = ""
        elif rng.random() < KOSEKI_KANA_RATE:
            person.koseki_kana = f"{surname.reading} {given.reading}"
        if rng.random() < UNNAMED_RATE:
            kin = KIN_ALIAS.get((relationship, sex), "家族")
            person.alias = f"{surname.text}さんの{kin}"
            person.family_name = person.given_name = ""
            person.family_name_kana = person.given_name_kana = person.koseki_kana = ""
        elif rng.random() < NICKNAME_RATE:
            person.alias = to_hiragana(given.reading[:2]) + "ちゃん"
        return person

    # --- ground-truth queries ---

    def query_for(self, person: PersonPlan) -> Query | None:
        kinds = [(kind, weight) for kind, weight in QUERY_KINDS if self._applies(kind, person)]
        if not kinds:
            return None
        kind = self.rng.choices([k for k, _ in kinds], [w for _, w in kinds])[0]
        return getattr(self, f"_query_{kind}")(person)

    def _applies(self, kind: str, person: PersonPlan) -> bool:
        has_reading = bool(person.family_name_kana and person.given_name_kana)
        if kind == "kanji_variant":
            return any(ch in self.swaps for ch in person.family_name + person.given_name)
        if kind == "reading_error":
            return has_reading and bool(
                reading_errors(person.family_name_kana) or reading_errors(person.given_name_kana)
            )
        return has_reading

    def _sep(self, *, halfwidth: bool = False) -> str:
        sep = self.rng.choices(SEPARATORS, SEPARATOR_WEIGHTS)[0]
        return " " if halfwidth and sep else sep

    def _query_kanji_variant(self, person: PersonPlan) -> Query:
        parts = [person.family_name, person.given_name]
        spots = [(i, pos) for i, part in enumerate(parts) for pos, ch in enumerate(part)]
        spots = [(i, pos) for i, pos in spots if parts[i][pos] in self.swaps]
        i, pos = self.rng.choice(spots)
        part = parts[i]
        parts[i] = part[:pos] + self.rng.choice(self.swaps[part[pos]]) + part[pos + 1 :]
        return Query(parts[0] + self._sep() + parts[1], "kanji_variant", "", "name")

    def _query_hiragana(self, person: PersonPlan) -> Query:
        text = (
            to_hiragana(person.family_name_kana) + self._sep() + to_hiragana(person.given_name_kana)
        )
        return Query(text, "hiragana", "", "reading")

    def _query_halfwidth(self, person: PersonPlan) -> Query:
        family, given = to_halfwidth(person.family_name_kana), to_halfwidth(person.given_name_kana)
        return Query(family + self._sep(halfwidth=True) + given, "halfwidth", "", "reading")

    def _query_reading_error(self, person: PersonPlan) -> Query:
        parts = [person.family_name_kana, person.given_name_kana]
        errors = [(i, *error) for i, part in enumerate(parts) for error in reading_errors(part)]
        # The kind of mistake first, then where: long-vowel spots would crowd out the others.
        details = sorted({error[-1] for error in errors})
        chosen = self.rng.choices(details, [READING_ERROR_WEIGHTS[d] for d in details])[0]
        i, pos, replacement, detail = self.rng.choice([e for e in errors if e[-1] == chosen])
        parts[i] = parts[i][:pos] + replacement + parts[i][pos + 1 :]
        if self.rng.random() < 0.7:
            parts = [to_hiragana(part) for part in parts]
        return Query(parts[0] + self._sep() + parts[1], "reading_error", detail, "reading")

    def _query_mixed(self, person: PersonPlan) -> Query:
        sep = self._sep()
        if self.rng.random() < 0.7:
            text = person.family_name + sep + to_hiragana(person.given_name_kana)
            return Query(text, "mixed", "name+reading", "family_name+given_reading")
        text = to_hiragana(person.family_name_kana) + sep + person.given_name
        return Query(text, "mixed", "reading+name", "family_reading+given_name")


# --- database -----------------------------------------------------------------------------------


def ensure_bench_organisation() -> Organisation:
    """ベンチマーク用機関 under the demo world's city; builds the demo world if it is missing."""
    import secrets

    from accounts.demo import ORGANISATIONS, build_world
    from accounts.models import Organisation, OrganisationType

    window_name = next(name for key, name, *_ in ORGANISATIONS if key == "window")
    window = Organisation.objects.filter(name=window_name).first()
    if window is None:
        # Staff accounts get a random password nobody knows: this is not the demo.
        window = build_world(password=secrets.token_urlsafe(24), demo=False).organisations["window"]
    organisation, _ = Organisation.objects.get_or_create(
        name=BENCH_ORGANISATION_NAME,
        defaults={
            "type": OrganisationType.MUNICIPAL_WINDOW,
            "operator_name": "ベンチマーク（合成データ）",
            "local_government": window.local_government,
        },
    )
    return organisation


def reset_bench_data(organisation: Organisation) -> int:
    """Delete the organisation's persons and households and every row that refers to them.

    Rows referring to those rows are deleted too, table by table, whatever app they belong to
    (only the benchmark's own data can refer to the benchmark organisation's persons). Django
    creates foreign keys DEFERRABLE INITIALLY DEFERRED, so the order inside the transaction does
    not matter; they are checked at commit.
    """
    from django.db import connection, transaction

    from people.models import Household, Person

    deleted = Person.objects.filter(organisation=organisation).count()
    existing = set(connection.introspection.table_names())
    with transaction.atomic(), connection.cursor() as cursor:
        for model in (Household, Person):
            _delete_with_referrers(
                cursor, model, "organisation_id = %s", [organisation.pk], existing
            )
    return deleted


def _delete_with_referrers(
    cursor: Any, model: Any, where: str, params: list[Any], existing: set[str], depth: int = 0
) -> None:
    from django.db import connection

    if depth > 8:
        raise RuntimeError(f"references nested too deep below {model._meta.label}")
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    selected = f"SELECT {qn(model._meta.pk.column)} FROM {table} WHERE {where}"  # noqa: S608
    for relation in model._meta.related_objects:
        child = relation.related_model
        if relation.many_to_many or child is model or child._meta.db_table not in existing:
            continue
        condition = f"{qn(relation.field.column)} IN ({selected})"
        _delete_with_referrers(cursor, child, condition, params, existing, depth + 1)
    cursor.execute(f"DELETE FROM {table} WHERE {where}", params)  # noqa: S608


@dataclass
class GenerationResult:
    persons: int = 0
    households: int = 0
    memberships: int = 0
    queries: int = 0
    seconds: float = 0.0
    method: str = ""
    ground_truth: Path | None = None
    person_ids: list[int] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.persons + self.households + self.memberships


# Field types whose Python values (str, int, bool, None) go to the database as they are.
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


class _Table:
    """Rows of one model as column lists: field defaults, then the given values, prepared."""

    def __init__(self, model: Any, connection: Any, *, with_ids: bool) -> None:
        self.model = model
        self.connection = connection
        self.fields = [f for f in model._meta.concrete_fields if with_ids or not f.primary_key]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        self.template = [None if f.primary_key else f.get_default() for f in self.fields]
        self.converters = [
            (i, f.get_db_prep_save)
            for i, f in enumerate(self.fields)
            if f.get_internal_type() not in _PLAIN_TYPES
        ]

    def row(self, values: dict[str, Any]) -> list[Any]:
        row = self.template.copy()
        for name, value in values.items():
            row[self.position[name]] = value
        for i, prep in self.converters:
            row[i] = prep(row[i], self.connection)
        return row


class _Writer:
    """Writes batches of household plans; returns the new person ids in plan order.

    copy (PostgreSQL): ids drawn from the table's sequence, rows sent with COPY.
    executemany (SQLite): ids counted on from the highest ever used (the transaction holds the
    write lock from BEGIN IMMEDIATE), rows sent with one executemany per table.
    bulk: Model.objects.bulk_create, for any database; model instances and Django's INSERT
    compilation make it several times slower.
    """

    def __init__(self, organisation: Organisation, method: str) -> None:
        from django.db import connection

        from people.models import Household, HouseholdMembership, Person

        self.organisation = organisation
        self.connection = connection
        self.method = method
        from people.keys import KeyCache

        self.keys = KeyCache()
        self.persons = _Table(Person, connection, with_ids=True)
        self.households = _Table(Household, connection, with_ids=True)
        self.memberships = _Table(HouseholdMembership, connection, with_ids=False)

    def write(self, households: list[HouseholdPlan]) -> tuple[list[int], int]:
        from django.db import transaction
        from django.utils import timezone

        now = timezone.now()
        org_id = self.organisation.pk
        persons = []
        for household in households:
            for member in household.members:
                values = member.person_fields()
                values.update(
                    organisation_id=org_id,
                    postal_code=household.postal_code,
                    address=household.address,
                    address_detail=household.address_detail,
                    created_at=now,
                    updated_at=now,
                )
                values.update(self.keys.keys_for(values))
                persons.append(values)
        homes = [
            {
                "organisation_id": org_id,
                "label": household.label,
                "postal_code": household.postal_code,
                "address": household.address,
                "created_at": now,
            }
            for household in households
        ]
        with transaction.atomic():
            person_ids = self._insert(self.persons, persons)
            household_ids = self._insert(self.households, homes)
            new_ids = iter(person_ids)
            memberships = [
                {
                    "household_id": household_id,
                    "person_id": next(new_ids),
                    "relationship": member.relationship,
                    "is_key_contact": member.is_key_contact,
                    "lives_together": True,
                }
                for household_id, household in zip(household_ids, households, strict=True)
                for member in household.members
            ]
            self._insert(self.memberships, memberships)
        return person_ids, len(memberships)

    def _insert(self, table: _Table, values: list[dict[str, Any]]) -> list[int]:
        if self.method == "bulk":
            objs = table.model.objects.bulk_create([table.model(**v) for v in values])
            return [obj.pk for obj in objs]
        ids: list[int] = []
        if "id" in table.position:
            ids = self._new_ids(table.model._meta.db_table, len(values))
            for row_values, pk in zip(values, ids, strict=True):
                row_values["id"] = pk
        rows = [table.row(v) for v in values]
        qn = self.connection.ops.quote_name
        name = qn(table.model._meta.db_table)
        columns = ", ".join(qn(f.column) for f in table.fields)
        with self.connection.cursor() as cursor:
            if self.method == "copy":
                with cursor.cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(table.fields))
                cursor.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)  # noqa: S608
        return ids

    def _new_ids(self, table: str, count: int) -> list[int]:
        with self.connection.cursor() as cursor:
            if self.method == "copy":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                    [table, count],
                )
                return [pk for (pk,) in cursor.fetchall()]
            # AUTOINCREMENT never reuses an id, even of a deleted row: start past both.
            cursor.execute(
                f"SELECT MAX(COALESCE((SELECT MAX(id) FROM {table}), 0), "  # noqa: S608
                "COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0))",
                [table],
            )
            first = cursor.fetchone()[0] + 1
            return list(range(first, first + count))


def ground_truth_files(seed: int | None = None) -> tuple[Path, str]:
    """The directory and file pattern of this database's ground truth (all seeds if None).

    DATA_DIR/bench/variants-<vendor>-<database>-<seed>.jsonl: ids only make sense in the
    database they were created in.
    """
    from django.conf import settings
    from django.db import connection

    database = Path(str(connection.settings_dict["NAME"])).stem
    name = f"variants-{connection.vendor}-{database}-{'*' if seed is None else seed}.jsonl"
    return Path(settings.DATA_DIR) / "bench", name


def default_ground_truth_path(seed: int) -> Path:
    directory, name = ground_truth_files(seed)
    return directory / name


def generate(
    *,
    persons: int,
    seed: int,
    organisation: Organisation,
    ground_truth: Path,
    variant_rate: float = DEFAULT_VARIANT_RATE,
    batch_size: int = DEFAULT_BATCH_SIZE,
    method: str = "auto",
    append_ground_truth: bool = False,
    progress: Callable[[str], None] | None = None,
    keep_ids: bool = False,
) -> GenerationResult:
    """Create `persons` persons with their households and write the ground-truth queries."""
    from django.db import connection

    native = {"postgresql": "copy", "sqlite": "executemany"}
    if method == "auto":
        method = native.get(connection.vendor, "bulk")
    if method != "bulk" and native.get(connection.vendor) != method:
        raise ValueError(f"{method} is not available on {connection.vendor}")
    writer = _Writer(organisation, method)
    factory = PersonFactory(seed, variant_rate=variant_rate)
    result = GenerationResult(method=method, ground_truth=ground_truth)
    ground_truth.parent.mkdir(parents=True, exist_ok=True)
    started = last_report = time.perf_counter()
    with ground_truth.open("a" if append_ground_truth else "w", encoding="utf-8") as out:
        batch: list[HouseholdPlan] = []
        size = 0
        for household in factory.persons(persons):
            batch.append(household)
            size += len(household.members)
            if size >= batch_size:
                _flush(writer, batch, result, out, keep_ids)
                batch, size = [], 0
                if progress and time.perf_counter() - last_report >= 10:
                    last_report = time.perf_counter()
                    rate = result.persons / (last_report - started)
                    progress(f"  {result.persons:>10,} persons  {rate:>8,.0f} persons/s")
        if batch:
            _flush(writer, batch, result, out, keep_ids)
    result.seconds = time.perf_counter() - started
    return result


def _flush(
    writer: _Writer,
    batch: list[HouseholdPlan],
    result: GenerationResult,
    out: TextIO,
    keep_ids: bool,
) -> None:
    ids, memberships = writer.write(batch)
    members = (member for household in batch for member in household.members)
    for member, pk in zip(members, ids, strict=True):
        if member.query is not None:
            line = {
                "query": member.query.text,
                "kind": member.query.kind,
                "detail": member.query.detail,
                "match": member.query.match,
                "person_id": pk,
                "name": f"{member.family_name} {member.given_name}",
                "reading": f"{member.family_name_kana} {member.given_name_kana}",
            }
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            result.queries += 1
    result.persons += len(ids)
    result.households += len(batch)
    result.memberships += memberships
    if keep_ids:
        result.person_ids.extend(ids)


def analyze(*, vacuum: bool = True) -> None:
    """Planner statistics for the loaded tables; on PostgreSQL also VACUUM.

    VACUUM matters for the search: rows COPYed into a GIN index with fastupdate wait in its
    pending list (up to gin_pending_list_limit, 4 MB), which every trigram search scans in full
    until VACUUM (or autovacuum, some time later) merges it: at 100k persons p95 ≈ 800 ms before,
    ≈ 40 ms after (bench/README.md).
    """
    from django.db import connection

    from people.models import Household, HouseholdMembership, Person

    command = "VACUUM (ANALYZE)" if vacuum and connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        for model in (Person, Household, HouseholdMembership):
            cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")


# --- command line -------------------------------------------------------------------------------


def setup_django() -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsunagu.settings")
    import django

    django.setup()


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, help="how many persons to create")
    parser.add_argument(
        "--refresh-keys",
        action="store_true",
        help="recompute the search keys of every person (once after migrating), nothing else",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--variant-rate", type=float, default=DEFAULT_VARIANT_RATE)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument(
        "--method",
        choices=("auto", "copy", "executemany", "bulk"),
        default="auto",
        help="auto: COPY on PostgreSQL, executemany on SQLite",
    )
    parser.add_argument("--ground-truth", type=Path, help="JSON lines file of the queries")
    parser.add_argument(
        "--no-vacuum",
        action="store_true",
        help="PostgreSQL: ANALYZE only, leave the GIN pending list to autovacuum",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--append", action="store_true", help="add to the persons already there")
    mode.add_argument(
        "--reset", action="store_true", help="delete the benchmark organisation's persons first"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    setup_django()
    from django.conf import settings
    from django.db import connection

    from people.models import Person

    if settings.PRODUCTION:
        print("本番環境では実行できません。/ Refusing to run with TSUNAGU_ENV=production.")
        return 2
    where = f"{connection.vendor} {connection.settings_dict['NAME']}"
    if args.refresh_keys:
        print(f"recomputing the search keys of every person in {where}")
        from people.keys import refresh_keys

        updated = refresh_keys(batch_size=args.batch_size)
        print(f"done: {updated:,} persons updated")
        return 0
    if args.persons is None:
        print("--persons is required (or give --refresh-keys)", file=sys.stderr)
        return 2
    organisation = ensure_bench_organisation()
    if args.reset:
        deleted = reset_bench_data(organisation)
        print(f"reset: deleted {deleted:,} persons of {BENCH_ORGANISATION_NAME}")
        directory, pattern = ground_truth_files()
        for stale in directory.glob(pattern):
            stale.unlink()
    elif Person.objects.exists() and not args.append:
        print(
            f"{where} already holds {Person.objects.count():,} persons: "
            "give --append to add more, or --reset to delete the benchmark persons first.",
            file=sys.stderr,
        )
        return 2
    ground_truth = args.ground_truth or default_ground_truth_path(args.seed)
    print(f"generating {args.persons:,} persons (seed {args.seed}) into {where}")
    result = generate(
        persons=args.persons,
        seed=args.seed,
        organisation=organisation,
        ground_truth=ground_truth,
        variant_rate=args.variant_rate,
        batch_size=args.batch_size,
        method=args.method,
        append_ground_truth=args.append,
        progress=print,
    )
    analyze_started = time.perf_counter()
    analyze(vacuum=not args.no_vacuum)
    analyze_seconds = time.perf_counter() - analyze_started
    print(
        f"done: {result.persons:,} persons, {result.households:,} households, "
        f"{result.memberships:,} memberships in {result.seconds:.1f} s ({result.method})\n"
        f"      {result.persons / result.seconds:,.0f} persons/s, "
        f"{result.rows / result.seconds:,.0f} rows/s; (VACUUM) ANALYZE {analyze_seconds:.1f} s\n"
        f"      {result.queries:,} ground-truth queries → {ground_truth}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
