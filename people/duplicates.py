"""Probable duplicates: the same person entered twice, scored from several signals.

Score (0–1): the name key, the reading, the birth date, phones, the postal code and address, and
shared household members, each adding weight; a contradicting birth date takes weight away.
可能性が高い at 0.7 and above, 可能性あり at 0.4 and above. A pair a worker judged to be
different people is never proposed again.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from people import names
from people.models import DuplicateCandidate, Person

HIGH = 0.7
POSSIBLE = 0.4
MAX_CANDIDATES = 10


@dataclass(frozen=True)
class Duplicate:
    person: Person
    score: float
    reasons: tuple[str, ...]

    @property
    def level(self) -> str:
        return "可能性が高い" if self.score >= HIGH else "可能性あり"


def score_pair(
    a: Person,
    b: Person,
    phones_a: set[str],
    phones_b: set[str],
    households_a: set[str] = frozenset(),  # type: ignore[assignment]
    households_b: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[float, tuple[str, ...]]:
    score, reasons = 0.0, []
    if a.name_key and a.name_key == b.name_key:
        score += 0.45
        reasons.append("氏名が一致")
    elif a.full_name and b.full_name:
        similarity = names.similarity(a.full_name, b.full_name)
        if similarity >= 0.6:
            score += 0.3 * similarity
            reasons.append("氏名が似ている")
    reading_a, reading_b = names.loose_key(a.full_name_kana), names.loose_key(b.full_name_kana)
    if reading_a and reading_a == reading_b:
        score += 0.2
        reasons.append("読みが一致")
    if a.alias and names.name_key(a.alias) == names.name_key(b.alias):
        score += 0.3
        reasons.append("仮名が一致")
    if a.birth_date and b.birth_date:
        if a.birth_date == b.birth_date:
            score += 0.3
            reasons.append("生年月日が一致")
        elif abs(a.birth_date.year - b.birth_date.year) > 1:
            score -= 0.3
    if phones_a & phones_b:
        score += 0.3
        reasons.append("電話番号が一致")
    if a.postal_code and a.postal_code == b.postal_code:
        score += 0.1
        reasons.append("郵便番号が一致")
        if a.address_detail and a.address_detail == b.address_detail:
            score += 0.1
            reasons.append("住所が一致")
    if households_a & households_b:
        score += 0.1
        reasons.append("同じ世帯員がいる")
    return max(0.0, min(1.0, score)), tuple(reasons)


def find_duplicates(person: Person, phones: set[str], scope: QuerySet[Person]) -> list[Duplicate]:
    """Records in `scope` that may be `person` (saved or not), best first."""
    conditions = Q(pk__in=[])
    if person.name_key:
        conditions |= Q(name_key=person.name_key)
    for key in _candidate_keys(person):
        conditions |= Q(search_text__contains=key)
    if person.birth_date:
        conditions |= Q(birth_date=person.birth_date)
    if phones:
        conditions |= Q(phones__digits__in=phones)
    candidates = (
        scope.filter(conditions)
        .exclude(pk=person.pk)
        .exclude(pk__in=_dismissed_with(person))
        .prefetch_related("phones", "memberships__household__memberships__person")
        .distinct()[:200]
    )
    own_households = _household_member_keys(person) if person.pk else set()
    found = []
    for candidate in candidates:
        candidate_phones = {phone.digits for phone in candidate.phones.all()}
        score, reasons = score_pair(
            person,
            candidate,
            phones,
            candidate_phones,
            own_households,
            _household_member_keys(candidate),
        )
        if score >= POSSIBLE:
            found.append(Duplicate(candidate, round(score, 2), reasons))
    found.sort(key=lambda duplicate: (-duplicate.score, duplicate.person.pk))
    return found[:MAX_CANDIDATES]


def _candidate_keys(person: Person) -> list[str]:
    keys = [names.loose_key(person.full_name_kana), names.name_key(person.alias)]
    return [key for key in keys if len(key) >= 2]


def _dismissed_with(person: Person) -> list[int]:
    if not person.pk:
        return []
    pairs = DuplicateCandidate.objects.filter(
        Q(first=person) | Q(second=person), status=DuplicateCandidate.Status.DIFFERENT
    ).values_list("first_id", "second_id")
    return [other for pair in pairs for other in pair if other != person.pk]


def _household_member_keys(person: Person) -> set[str]:
    """Name keys of the other members of the person's households (prefetched when possible)."""
    keys = set()
    for membership in person.memberships.all():
        for other in membership.household.memberships.all():
            if other.person_id != person.pk and other.person.name_key:
                keys.add(other.person.name_key)
    return keys


def record_candidates(person: Person, duplicates: list[Duplicate]) -> None:
    """Queue the pairs for the coordinators' review (kept once per pair).

    A pair already decided (different people, or merged) keeps its decision: it is not reopened.
    """
    for duplicate in duplicates:
        first, second = sorted((person.pk, duplicate.person.pk))
        candidate, created = DuplicateCandidate.objects.get_or_create(
            first_id=first, second_id=second, defaults={"score": duplicate.score}
        )
        if not created and candidate.status == DuplicateCandidate.Status.OPEN:
            candidate.score = duplicate.score
            candidate.save(update_fields=["score"])
