"""Find persons by name, reading, koseki reading, alias or a mixed spelling (高橋ゆうき).

The query becomes the same matching keys a person carries in ``Person.search_text``
(people/names.py: the strict ``name_key`` and the ``loose_key``). A person is a hit when a query
key is a substring of one of their keys. The search runs inside the queryset the caller passes,
which is already scoped by the access rules (``visible_to``): it is never widened.

Backends (indexes from migration people 0002_search_indexes):

- SQLite: the FTS5 table ``people_person_fts`` (trigram tokenizer, external content on
  ``people_person.search_text``, kept in sync by triggers) answers ``MATCH '"key"'``, which is a
  substring match, for keys of three or more characters.
- PostgreSQL: ``search_text LIKE '%key%'``, served by the pg_trgm GIN index
  ``people_person_search_trgm``, plus the word-similarity operator ``key <% search_text`` for
  near misses (タカハン for タカハシ). Near misses rank below every substring hit; SQLite has none.

A trigram index cannot hold keys of one or two characters (高, たか), so those fall back to a
plain substring filter on ``search_text``. It scans the scoped queryset only (one organisation's
current records), which the ``person_scope`` index narrows.

Ranking: a query key equal to one of the person's keys, then a prefix of one, then a substring,
then a near miss; within each, ``names.similarity`` to the matching key, then name_key, then id.
At most CANDIDATE_CAP candidates are read, best first by the same tiers, so a common short query
cannot crowd out the exact hit. A search costs two queries: the candidates' keys, then the
persons shown.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from django.db import connections
from django.db.models import BooleanField, Case, F, Func, Q, QuerySet, TextField, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Concat
from django.db.models.lookups import Contains

from people.models import Person
from people.names import loose_key, name_key, similarity

CANDIDATE_CAP = 2000
# Names and aliases are far shorter; this only bounds the work an oversized query can cause.
MAX_QUERY_LENGTH = 200
TRIGRAM = 3
FTS_TABLE = "people_person_fts"
_FTS_IDS = f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s"  # noqa: S608


class Tier(IntEnum):
    EXACT = 0
    PREFIX = 1
    SUBSTRING = 2
    NEAR_MISS = 3


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A found person; ``score`` in [0, 1] orders the hits, 1.0 for an exact strict key."""

    person: Person
    score: float


@dataclass(frozen=True, slots=True)
class _Ranked:
    pk: int
    name_key: str
    score: float


class _WordSimilar(Func):
    """PostgreSQL ``query <% column``: pg_trgm word similarity, served by the GIN index."""

    template = "%(expressions)s"
    arg_joiner = " <%% "
    output_field = BooleanField()


def search_persons(queryset: QuerySet[Person], q: str, *, limit: int = 50) -> list[SearchHit]:
    """Hits in `queryset` for the query `q`, best first, at most `limit`."""
    keys = query_keys(q)
    if not keys or limit <= 0:
        return []
    ranked = _rank(_candidate_rows(queryset, keys), keys, limit)
    persons = queryset.in_bulk([hit.pk for hit in ranked])
    # A person merged or deleted between the two queries is simply left out.
    return [SearchHit(persons[hit.pk], hit.score) for hit in ranked if hit.pk in persons]


def query_keys(q: str) -> tuple[str, ...]:
    """The query's strict key, then its loose key if different; () for a blank query."""
    # NUL cannot be stored in PostgreSQL text, so no key can contain it.
    text = q[:MAX_QUERY_LENGTH].replace("\x00", "")
    return tuple(dict.fromkeys(key for key in (name_key(text), loose_key(text)) if key))


def fts_phrase(key: str) -> str:
    """`key` as an FTS5 string: taken literally, whatever operators or quotes it holds."""
    return '"' + key.replace('"', '""') + '"'


# --- candidates (SQL) ---------------------------------------------------------------------------


def _candidate_rows(queryset: QuerySet[Person], keys: Sequence[str]) -> list[tuple[int, str, str]]:
    vendor = connections[queryset.db].vendor
    rows = (
        queryset.filter(_match(vendor, keys))
        .annotate(search_tier=_sql_tier(keys))
        .order_by("search_tier", "name_key", "pk")
        .values_list("pk", "name_key", "search_text")
    )
    return list(rows[:CANDIDATE_CAP])


def _match(vendor: str, keys: Sequence[str]) -> Q:
    indexed = [key for key in keys if len(key) >= TRIGRAM]
    short = [key for key in keys if len(key) < TRIGRAM]
    if vendor == "sqlite" and indexed:
        phrases = " OR ".join(fts_phrase(key) for key in indexed)
        # A constant statement; the query only ever travels as a bound parameter.
        fts_ids = RawSQL(_FTS_IDS, [phrases])  # noqa: S611
        return _any([Q(pk__in=fts_ids), *_contains(short)])
    conditions = _contains(keys)
    if vendor == "postgresql":
        conditions += [Q(_WordSimilar(Value(key), F("search_text"))) for key in indexed]
    return _any(conditions)


def _contains(keys: Iterable[str]) -> list[Q]:
    return [Q(search_text__contains=key) for key in keys]


def _sql_tier(keys: Sequence[str]) -> Case:
    """The tier of `_tier` below, in SQL, so that the cap keeps the best candidates."""
    padded = Concat(Value(" "), F("search_text"), Value(" "), output_field=TextField())

    def when(pattern: Callable[[str], Contains], tier: Tier) -> When:
        return When(_any([Q(pattern(key)) for key in keys]), then=Value(int(tier)))

    return Case(
        when(lambda key: Contains(padded, f" {key} "), Tier.EXACT),
        when(lambda key: Contains(padded, f" {key}"), Tier.PREFIX),
        when(lambda key: Contains(F("search_text"), key), Tier.SUBSTRING),
        default=Value(int(Tier.NEAR_MISS)),
    )


def _any(conditions: Sequence[Q]) -> Q:
    return functools.reduce(operator.or_, conditions)


# --- ranking (Python) ---------------------------------------------------------------------------


def _rank(rows: list[tuple[int, str, str]], keys: Sequence[str], limit: int) -> list[_Ranked]:
    tiered = [(_tier(keys, text.split()), pk, key, text) for pk, key, text in rows]
    if not tiered:
        return []
    # similarity is the costly part: only score the tiers that can reach the first `limit`, and
    # each distinct key once (namesakes and shared readings repeat them).
    cutoff = sorted(tier for tier, *_ in tiered)[min(limit, len(tiered)) - 1]
    closeness = functools.cache(functools.partial(similarity, keys[0]))
    ranked = [
        _Ranked(pk, key, _score(keys, tier, text.split(), closeness))
        for tier, pk, key, text in tiered
        if tier <= cutoff
    ]
    ranked.sort(key=lambda hit: (-hit.score, hit.name_key, hit.pk))
    return ranked[:limit]


def _tier(query_keys: Sequence[str], person_keys: Sequence[str]) -> Tier:
    return min(
        (_key_tier(query_key, key) for query_key in query_keys for key in person_keys),
        default=Tier.NEAR_MISS,
    )


def _key_tier(query_key: str, key: str) -> Tier:
    if key == query_key:
        return Tier.EXACT
    if key.startswith(query_key):
        return Tier.PREFIX
    if query_key in key:
        return Tier.SUBSTRING
    return Tier.NEAR_MISS


def _score(
    query_keys: Sequence[str],
    tier: Tier,
    person_keys: Sequence[str],
    closeness: Callable[[str], float],
) -> float:
    """Tiers split [0, 1] into bands; similarity to the matching keys places a hit in its band."""
    matching = [key for key in person_keys if _tier(query_keys, [key]) == tier] or person_keys
    best = max(closeness(key) for key in matching)
    return (Tier.NEAR_MISS - tier + best) / (Tier.NEAR_MISS + 1)
