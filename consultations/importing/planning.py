"""Checking every row and deciding what an import would create, without writing anything.

Rows with the same 本人ID are one person; a row without one is a person of its own (unnamed when
it has no 氏名 either). Named persons are matched against the organisation's persons with the
duplicate rules of people/duplicates.py (`score_pair`, HIGH, POSSIBLE): a likely match (HIGH) is
linked — the consultations go to the existing person — and possible ones (POSSIBLE) are created
and queued for the coordinators' review (DuplicateCandidate), as the intake does.
"""

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from accounts.models import LocalGovernment, Organisation, User
from collaboration.models import Agency, AgencyCategory
from consultations.channels import Channel, OfficialMethod, official_method
from consultations.forms import ConsultationForm
from consultations.importing import values as v
from consultations.importing.reading import Cell, RowError, Sheet
from consultations.models import Disposition
from people import names
from people.duplicates import HIGH, MAX_CANDIDATES, POSSIBLE, score_pair
from people.keys import KeyCache
from people.models import AgeBand, Person, Sex
from tsunagu.dates import age_on
from tsunagu.office_hours import is_out_of_hours
from tsunagu.validation import reject_control_characters, reject_control_characters_keep_lines

# A consultation's time of day is not in the spreadsheets: noon, inside office hours, so that only
# weekends, holidays and the year-end closure count as 時間外.
CONSULTATION_TIME = time(12, 0)
PREVIEW_LIMIT = 200
BUCKET_LIMIT = 200
# The stored text columns and the rule their fields have on the intake page and in the API
# (people/validation.py): one-line text refuses every control character; the memo, multi-line
# like the page's 相談の内容 that it is stored in, keeps line breaks and tabs.
TEXT_RULES: dict[str, Callable[[str], None]] = {
    "本人ID": reject_control_characters,
    "氏名": reject_control_characters,
    "フリガナ": reject_control_characters,
    "つなぎ先": reject_control_characters,
    "メモ": reject_control_characters_keep_lines,
}
# The lengths are the fields' own: the person's columns, and the intake form's 相談の内容.
NAME_MAX = Person._meta.get_field("family_name").max_length or 0
KANA_MAX = Person._meta.get_field("family_name_kana").max_length or 0
ALIAS_MAX = Person._meta.get_field("alias").max_length or 0
MEMO_MAX = ConsultationForm.base_fields["content"].max_length or 0  # type: ignore[attr-defined]
MATCH_FIELDS = (
    "id",
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "alias",
    "birth_date",
    "postal_code",
    "address_detail",
    "name_key",
    "reading_key",
    "is_restricted",
)


def alias_of_file_id(file_id: str) -> str:
    """The alias of an unnamed person known by the file's 本人ID only."""
    return f"本人ID {file_id}（取込）"


@dataclass
class FilePerson:
    key: str
    file_id: str
    line: int
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    birth_date: date | None = None
    sex: str = Sex.UNKNOWN
    first_on: date | None = None
    aged_on: date | None = None  # the day of the earliest row giving an age
    age: int | None = None
    linked_id: int | None = None  # an existing person the rows go to
    linked_birth_date: date | None = None
    possible: list[tuple[str, float]] = field(default_factory=list)  # ("p12" | "f<key>", score)
    # Person.KEY_COLUMNS as Person.save would fill them: computed once, to match and to write.
    keys: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.given_name) if part)

    @property
    def is_named(self) -> bool:
        return bool(self.full_name or self.family_name_kana or self.given_name_kana)

    def alias(self) -> str:
        if self.is_named:
            return ""
        if self.file_id:
            return alias_of_file_id(self.file_id)
        return f"氏名不明（取込・{self.line}行目）"

    def estimated_age(self) -> int | None:
        """The age on the first consultation day, from the earliest row giving one."""
        if self.birth_date or self.age is None or self.first_on is None or self.aged_on is None:
            return None
        return max(0, self.age - age_on(self.first_on, self.aged_on))

    def age_on(self, day: date) -> int | None:
        birth = self.linked_birth_date if self.linked_id else self.birth_date
        if birth is not None:
            return age_on(birth, day) if day >= birth else None
        estimated = self.estimated_age()
        if estimated is None or self.first_on is None or day < self.first_on:
            return None
        return estimated + age_on(self.first_on, day)

    def person_fields(self, today: date | None = None) -> dict[str, Any]:
        """The Person fields of this file person (not its keys), with the age band of `today`."""
        estimated = self.estimated_age()
        current = self.age_on(today or timezone.localdate())
        return {
            "family_name": self.family_name,
            "given_name": self.given_name,
            "family_name_kana": self.family_name_kana,
            "given_name_kana": self.given_name_kana,
            "koseki_kana": "",
            "alias": self.alias(),
            "birth_date": self.birth_date,
            "estimated_age": estimated,
            "estimated_on": self.first_on if estimated is not None else None,
            "age_band": AgeBand.for_age(current) if current is not None else AgeBand.UNKNOWN,
            "sex": self.sex,
        }

    def as_person(self) -> Person:
        """An unsaved Person with what score_pair compares: names, alias, birth date, keys."""
        return Person(
            family_name=self.family_name,
            given_name=self.given_name,
            family_name_kana=self.family_name_kana,
            given_name_kana=self.given_name_kana,
            alias=self.alias(),
            birth_date=self.birth_date,
            **self.keys,
        )


@dataclass
class PlannedConsultation:
    line: int
    person_key: str
    received_on: date
    channel: str
    consulter_type: str
    consulter_relationship: str
    age: int | None
    categories: list[str]
    disposition: str
    agency: tuple[str, str] | None  # (name, category) for つなぐ
    memo: str

    def received_at(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.received_on, CONSULTATION_TIME))


@dataclass
class ImportPlan:
    sheet: Sheet
    organisation: Organisation
    persons: dict[str, FilePerson] = field(default_factory=dict)
    consultations: list[PlannedConsultation] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    agencies: dict[tuple[str, str], int | None] = field(default_factory=dict)  # None: new
    existing_labels: dict[int, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def new_persons(self) -> list[FilePerson]:
        return [person for person in self.persons.values() if person.linked_id is None]

    def summary(self) -> dict[str, Any]:
        """What would be created, for the preview page and the command (JSON-serialisable)."""
        new = self.new_persons()
        channels = Counter(c.channel for c in self.consultations)
        methods = Counter(official_method(c.channel) for c in self.consultations)
        dispositions = Counter(c.disposition for c in self.consultations)
        linked = [p for p in self.persons.values() if p.linked_id is not None]
        possible = [p for p in new if p.possible]
        return {
            "rows": len(self.sheet.rows),
            "file_format": self.sheet.file_format,
            "encoding": self.sheet.encoding,
            "unknown_columns": self.sheet.unknown_columns,
            "consultations": len(self.consultations),
            "persons_new": len(new),
            "persons_new_unnamed": sum(1 for p in new if not p.is_named),
            "persons_linked": len(linked),
            "persons_possible": len(possible),
            "referrals": dispositions.get(Disposition.REFER, 0),
            "by_channel": {c.label: channels[c.value] for c in Channel if channels[c.value]},
            "by_method": {m.label: methods[m.value] for m in OfficialMethod},
            "by_disposition": {d.label: dispositions[d.value] for d in Disposition},
            "new_agencies": [
                f"{name}（{AgencyCategory(category).label}）"
                for (name, category), pk in self.agencies.items()
                if pk is None
            ],
            "linked": [self._person_line(p, [(f"p{p.linked_id}", 0.0)]) for p in linked][
                :PREVIEW_LIMIT
            ],
            "possible": [self._person_line(p, p.possible) for p in possible][:PREVIEW_LIMIT],
        }

    def _person_line(self, person: FilePerson, others: list[tuple[str, float]]) -> dict[str, Any]:
        return {
            "line": person.line,
            "file_id": person.file_id,
            "name": person.full_name or person.alias(),
            "others": [
                {"label": self._label(other), "score": round(score, 2)} for other, score in others
            ],
        }

    def _label(self, other: str) -> str:
        if other.startswith("p"):
            return self.existing_labels.get(int(other[1:]), f"#{other[1:]}")
        person = self.persons[other[1:]]
        return f"このファイルの{person.line}行目（{person.full_name}）"


def plan_import(sheet: Sheet, organisation: Organisation, user: User) -> ImportPlan:
    """Check every row and decide what would be created; `errors` lists every refusal."""
    plan = ImportPlan(sheet=sheet, organisation=organisation, errors=list(sheet.errors))
    directory = _AgencyDirectory(organisation)
    today = timezone.localdate()
    for line, row in sheet.rows:
        _plan_row(plan, line, row, today, directory)
    plan.agencies = directory.used
    plan.errors.sort(key=lambda error: error.line)
    if plan.is_valid:
        _fill_keys(plan)
        _match_persons(plan, user)
    return plan


def _fill_keys(plan: ImportPlan) -> None:
    cache = KeyCache()
    today = timezone.localdate()
    for file_person in plan.persons.values():
        file_person.keys = cache.keys_for(file_person.person_fields(today))


def _text(row: dict[str, Cell], column: str) -> str:
    value = row.get(column, "")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


@lru_cache(maxsize=65536)
def text_refusal(column: str, text: str) -> str:
    """Why a stored text cell is refused, in the pages' words, or "" when it is accepted."""
    if text.isprintable():  # no control or format character: nothing for the rules to refuse
        return ""
    try:
        TEXT_RULES[column](text)
    except ValidationError as error:
        return f"{column}: {error.messages[0]}"
    return ""


def _text_errors(row: dict[str, Cell]) -> list[str]:
    """The stored text columns checked as the intake page and the API check their fields."""
    errors = [
        refusal
        for column in TEXT_RULES
        if column in row and (refusal := text_refusal(column, v.clean_text(_text(row, column))))
    ]
    memo = v.clean_text(_text(row, "メモ"))
    if len(memo) > MEMO_MAX:
        errors.append(f"メモが長すぎます（{MEMO_MAX:,}文字まで。{len(memo):,}文字あります）。")
    file_id = v.clean_text(_text(row, "本人ID"))
    if len(alias_of_file_id(file_id)) > ALIAS_MAX:
        id_max = ALIAS_MAX - len(alias_of_file_id(""))
        errors.append(f"本人IDが長すぎます（{id_max}文字まで）。")
    return errors


def _plan_row(
    plan: ImportPlan, line: int, row: dict[str, Cell], today: date, directory: "_AgencyDirectory"
) -> None:
    errors: list[str] = _text_errors(row)

    def read[T](column: str, reader: Any, default: T) -> T:
        if column not in row:
            return default
        try:
            result: T = reader(row[column])
        except v.CellError as error:
            errors.append(str(error))
            return default
        return result

    received_on: date | None = None
    if "相談日" not in row:
        errors.append("相談日が空です。")
    else:
        received_on = read("相談日", lambda cell: v.parse_date(cell, "相談日"), None)
        if received_on is not None and received_on > today:
            errors.append(f"相談日（{received_on.isoformat()}）が未来の日付です。")
            received_on = None
    channel = read("相談方法", lambda cell: v.channel_of(str(cell)), "")
    if "相談方法" not in row:
        errors.append("相談方法が空です。")
    consulter_type, relationship = read(
        "相談者", lambda cell: v.consulter_of(str(cell)), v.consulter_of("")
    )
    categories = read("相談内容", lambda cell: v.categories_of(str(cell)), v.categories_of(""))
    disposition = read("対応", lambda cell: v.disposition_of(str(cell)), "")
    if "対応" not in row:
        errors.append("対応が空です。継続支援・つなぐ・情報提供のみ のいずれかを書いてください。")
    age = read("年齢", v.parse_age, None)
    birth = read("生年月日", lambda cell: v.parse_date(cell, "生年月日"), None)
    sex = read("性別", lambda cell: v.sex_of(str(cell)), Sex.UNKNOWN)
    agency = None
    if disposition == Disposition.REFER:
        try:
            agency = directory.find(_text(row, "つなぎ先"), _text(row, "つなぎ先種別"))
        except v.CellError as error:
            errors.append(str(error))
    if birth is not None and received_on is not None:
        if birth > received_on:
            errors.append(f"生年月日（{birth.isoformat()}）が相談日より後です。")
        elif age is not None and age != age_on(birth, received_on):
            errors.append(
                f"年齢（{age}歳）が生年月日から計算した相談日の年齢"
                f"（{age_on(birth, received_on)}歳）と合いません。どちらかを直してください。"
            )
    person = _person_of(plan, line, row, birth, sex, errors)
    plan.errors += [RowError(line, message) for message in errors]
    if errors or received_on is None or person is None:
        return
    if person.first_on is None or received_on < person.first_on:
        person.first_on = received_on
    if age is not None and (person.aged_on is None or received_on < person.aged_on):
        person.aged_on, person.age = received_on, age
    plan.consultations.append(
        PlannedConsultation(
            line=line,
            person_key=person.key,
            received_on=received_on,
            channel=channel,
            consulter_type=consulter_type,
            consulter_relationship=relationship,
            age=age,
            categories=categories,
            disposition=disposition,
            agency=agency,
            memo=v.clean_text(_text(row, "メモ")),
        )
    )


def _person_of(
    plan: ImportPlan,
    line: int,
    row: dict[str, Cell],
    birth: date | None,
    sex: str,
    errors: list[str],
) -> FilePerson | None:
    """The file's person of a row; the same 本人ID must not be given different names or dates."""
    file_id = v.clean_text(_text(row, "本人ID"))
    key = f"id:{file_id}" if file_id else f"line:{line}"
    family, given = _split(v.clean_text(_text(row, "氏名")))
    family_kana, given_kana = _split(v.clean_text(_text(row, "フリガナ")))
    if len(family) > NAME_MAX or len(given) > NAME_MAX:
        errors.append(f"氏名が長すぎます（姓・名それぞれ{NAME_MAX}文字まで）。")
        return None
    if len(family_kana) > KANA_MAX or len(given_kana) > KANA_MAX:
        errors.append(f"フリガナが長すぎます（セイ・メイそれぞれ{KANA_MAX}文字まで）。")
        return None
    person = plan.persons.get(key)
    if person is None:
        person = FilePerson(key=key, file_id=file_id, line=line)
        plan.persons[key] = person
    groups = (
        ("氏名", ("family_name", "given_name"), (family, given)),
        ("フリガナ", ("family_name_kana", "given_name_kana"), (family_kana, given_kana)),
        ("生年月日", ("birth_date",), (birth,)),
        ("性別", ("sex",), (sex if sex != Sex.UNKNOWN else None,)),
    )
    for column, attributes, new in groups:
        if not any(new):
            continue
        current = tuple(getattr(person, name) for name in attributes)
        if current == (Sex.UNKNOWN,):
            current = (None,)
        if not any(current):
            for name, value in zip(attributes, new, strict=True):
                setattr(person, name, value)
        elif current != new:
            errors.append(
                f"本人ID「{file_id}」の{column}が{person.line}行目と違います。"
                "同じ人なら同じに、別の人なら別の本人IDにしてください。"
            )
    return person


def _split(full: str) -> tuple[str, str]:
    """「山田 太郎」→ (山田, 太郎); without a space the whole name is the family name."""
    parts = full.split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


class _AgencyDirectory:
    """つなぎ先 looked up in the municipality's and its prefecture's directory (地域資源)."""

    def __init__(self, organisation: Organisation) -> None:
        local_government_id = organisation.local_government_id
        prefecture = LocalGovernment.objects.filter(pk=local_government_id).values("prefecture_id")
        agencies = Agency.objects.filter(
            Q(local_government_id=local_government_id) | Q(local_government_id__in=prefecture)
        ).values_list("pk", "name", "category")
        self.by_name: dict[str, tuple[int, str]] = {}
        for pk, name, category in agencies:
            self.by_name.setdefault(names.name_key(name), (pk, category))
        self.used: dict[tuple[str, str], int | None] = {}

    def find(self, name: str, category_text: str) -> tuple[str, str]:
        name = v.clean_text(name)
        category = v.agency_category_of(category_text) if category_text.strip() else ""
        if not name and not category:
            raise v.CellError("対応が「つなぐ」の行には、つなぎ先かつなぎ先種別を書いてください。")
        if not name:
            name = f"{AgencyCategory(category).label}（機関名なし・取込）"
        if len(name) > 200:
            raise v.CellError("つなぎ先の機関名が長すぎます（200文字まで）。")
        known = self.by_name.get(names.name_key(name))
        if known is not None:
            key = (name, known[1])
            self.used[key] = known[0]
            return key
        if not category:
            raise v.CellError(
                f"つなぎ先「{name}」は地域資源に登録されていません。"
                "つなぎ先種別も書けば、新しい機関として登録します。"
            )
        key = (name, category)
        self.used.setdefault(key, None)
        return key


# --- matching persons -----------------------------------------------------------------------------


class _Index:
    """Person refs by name key, loose reading key and birth date: the candidates of a match.

    Blocking: a person is scored only against the persons sharing one of these keys (at most
    BUCKET_LIMIT per key), never against every person of the organisation.
    """

    def __init__(self) -> None:
        self.buckets: defaultdict[tuple[str, Any], list[str]] = defaultdict(list)

    def add(self, ref: str, name_key: str, reading_key: str, birth_date: date | None) -> None:
        for bucket in self._keys(name_key, reading_key, birth_date):
            self.buckets[bucket].append(ref)

    def candidates(self, name_key: str, reading_key: str, birth_date: date | None) -> list[str]:
        found: dict[str, None] = {}
        for bucket in self._keys(name_key, reading_key, birth_date):
            found.update(dict.fromkeys(self.buckets.get(bucket, [])[:BUCKET_LIMIT]))
        return list(found)

    @staticmethod
    def _keys(name_key: str, reading_key: str, birth_date: date | None) -> list[tuple[str, Any]]:
        keys: list[tuple[str, Any]] = []
        if name_key:
            keys.append(("name", name_key))
        if reading_key:
            keys.append(("reading", reading_key))
        if birth_date:
            keys.append(("birth", birth_date))
        return keys


def _match_persons(plan: ImportPlan, user: User) -> None:
    existing = {
        f"p{values['id']}": values
        for values in Person.objects.current()
        .filter(organisation=plan.organisation)
        .values(*MATCH_FIELDS)
    }
    visible_restricted = set(
        Person.team.through.objects.filter(
            user=user, person__organisation=plan.organisation
        ).values_list("person_id", flat=True)
    )
    index = _Index()
    for ref, values in existing.items():
        index.add(ref, values["name_key"], values["reading_key"], values["birth_date"])
    built: dict[str, Person] = {}  # persons are built only when they are someone's candidate

    def person_of(ref: str) -> Person:
        if ref not in built:
            if ref.startswith("p"):
                built[ref] = Person(**existing[ref])
            else:
                built[ref] = plan.persons[ref[1:]].as_person()
        return built[ref]

    for file_person in plan.persons.values():
        if not file_person.is_named:
            continue
        own = f"f{file_person.key}"
        blocking = (
            file_person.keys["name_key"],
            file_person.keys["reading_key"],
            file_person.birth_date,
        )
        scored = []
        for ref in index.candidates(*blocking):
            score, _ = score_pair(person_of(own), person_of(ref), set(), set())
            if score >= POSSIBLE:
                scored.append((ref, round(score, 2)))
        scored.sort(key=lambda pair: (-pair[1], pair[0]))
        linkable = [
            (ref, score)
            for ref, score in scored
            if ref.startswith("p")
            and score >= HIGH
            and (not existing[ref]["is_restricted"] or int(ref[1:]) in visible_restricted)
        ]
        if linkable:
            file_person.linked_id = int(linkable[0][0][1:])
            file_person.linked_birth_date = existing[linkable[0][0]]["birth_date"]
        else:
            file_person.possible = scored[:MAX_CANDIDATES]
            index.add(own, *blocking)
    for file_person in plan.persons.values():
        for ref, _ in [(f"p{file_person.linked_id}", 0.0), *file_person.possible]:
            if ref.startswith("p") and ref in existing:
                plan.existing_labels[int(ref[1:])] = _existing_label(
                    existing[ref], int(ref[1:]) in visible_restricted
                )


def _existing_label(values: dict[str, Any], on_team: bool) -> str:
    if values["is_restricted"] and not on_team:
        return f"制限対象者 #{values['id']}"
    name = " ".join(p for p in (values["family_name"], values["given_name"]) if p)
    birth = f"・{values['birth_date'].isoformat()}生" if values["birth_date"] else ""
    return f"#{values['id']} {name or values['alias'] or '氏名不明'}{birth}"


def out_of_hours(day: date, cache: dict[date, bool]) -> bool:
    if day not in cache:
        cache[day] = is_out_of_hours(timezone.make_aware(datetime.combine(day, CONSULTATION_TIME)))
    return cache[day]
