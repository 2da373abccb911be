"""Find persons by name, reading, koseki reading, alias or a mixed spelling (高橋ゆうき).

The query becomes the same matching keys a person carries (people/names.py: the strict
``name_key`` and the ``loose_key``). The search runs inside the queryset the caller passes, which
is already scoped by the access rules (``persons_for_search``): it is never widened.

Candidates come from one statement, a UNION ALL of small legs, each bounded by a LIMIT. The
caller's queryset is compiled once and every leg reads it as a derived table, which both
databases flatten into the leg (building each leg as a queryset cost ~8 ms of Django
compilation per search, more than the database took).

- prefix legs, for every query: the key is a prefix of the person's ``name_key`` (strict key),
  ``reading_key`` (loose key of the reading), ``given_key``, ``given_reading_key`` or
  ``alias_key`` (loose key of the alias). Each is a range ``key <= column < key + U+10FFFF`` on
  a B-tree index (organisation, column; for aliases a partial index of the persons with
  one), read in index order (ORDER BY column LIMIT PREFIX_CAP / ALIAS_CAP): no scan,
  however common the prefix. The range assumes a code-point (C / binary) collation, as SQLite
  and the databases made with ``LC_COLLATE 'C.UTF-8'`` have.
- substring legs, unordered, which only run when the prefix legs found fewer than ``limit``
  persons (a one-time condition on the prefix legs' common table expression, in the same
  statement): with ``limit`` exact or prefix hits a substring hit ranks below them, and a
  common key (オオタ, ショウ, 高) reads no trigram bitmap of tens of thousands of rows and no
  scan of every alias. (An exact or prefix hit on a token no prefix leg reads, the koseki
  reading or a mixed spelling, is then left out; the unordered SUBSTRING_CAP could already
  leave it out for such a key.) They are:

  - any part of an alias, for every query (Bさんの長男 is found by 長男): ids from the alias
    rows' own indexes (PostgreSQL: a trigram index on ``alias_key`` for three or more
    characters; otherwise the narrow partial B-tree entries, index-only), LIMIT ALIAS_CAP;
  - for keys of three or more characters, any part of ``search_text``, LIMIT SUBSTRING_CAP:
    SQLite: the FTS5 table ``people_person_fts`` (trigram tokenizer) ``MATCH '"key"'``;
    PostgreSQL: ``search_text LIKE '%key%'`` on the pg_trgm GIN index
    ``people_person_search_trgm``, one leg per key.
- PostgreSQL, loose keys of three or more characters: a near-miss leg, ``loose <% search_text``
  (word similarity, タカハン for タカハシ), LIMIT NEAR_MISS_CAP. It only runs when the other legs
  found fewer than ``limit`` rows (a one-time condition on their common table expression, in
  the same statement), so a common surname does not pull in everyone who shares it.

Queries of one or two characters therefore match the start of a name, reading, given name or
alias (高 finds 高木, not 中高), and any part of an alias when such starts are few.

Ranking (Python, on at most a few hundred candidates): a query key equal to one of the person's
keys, then a prefix of one, then a substring, then a near miss; within each, ``names.similarity``
to the matching key, then name_key, then id. A search costs two queries: the candidates' keys,
then the persons shown.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from django.db import connections
from django.db.models import QuerySet

from people.models import Person
from people.names import LOOSE_SIMILARITY_CEILING, _bigrams, _dice, loose_key, name_key

# Rows each leg may contribute (see the module docstring).
PREFIX_CAP = 100
ALIAS_CAP = 100
SUBSTRING_CAP = 200
NEAR_MISS_CAP = 50
# The largest code point: key + PREFIX_END is above every string that starts with key.
PREFIX_END = "\U0010ffff"
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


def search_persons(queryset: QuerySet[Person], q: str, *, limit: int = 50) -> list[SearchHit]:
    """Hits in `queryset` for the query `q`, best first, at most `limit` (the first page)."""
    return search_page(queryset, q, offset=0, limit=limit)[0]


def search_page(
    queryset: QuerySet[Person], q: str, *, offset: int, limit: int
) -> tuple[list[SearchHit], int]:
    """Hits `offset` to `offset + limit` of the query, best first, and how many were found.

    The candidates are read as deep as the page (`offset + limit`), with the same caps and
    one-time conditions as `search_persons`, so a first page costs what a search always did;
    only the persons of the page are loaded. The count is of the candidates found to that
    depth: a later page may read the substring legs a first page skipped, and find more.
    """
    keys = query_keys(q)
    depth = offset + limit
    if not keys or limit <= 0:
        return [], 0
    rows = list({row[0]: row for row in _candidate_rows(queryset, keys, depth)}.values())
    ranked = _rank(rows, keys, depth)[offset:]
    if not ranked:
        return [], len(rows)
    # filter() rather than in_bulk(): the same rows, ~1 ms less Python for fifty persons.
    persons = {p.pk: p for p in queryset.filter(pk__in=[hit.pk for hit in ranked]).order_by()}
    # A person merged or deleted between the two queries is simply left out.
    return [SearchHit(persons[hit.pk], hit.score) for hit in ranked if hit.pk in persons], len(rows)


def query_keys(q: str) -> tuple[str, ...]:
    """The query's strict key, then its loose key if different; () for a blank query."""
    # NUL cannot be stored in PostgreSQL text, so no key can contain it.
    text = q[:MAX_QUERY_LENGTH].replace("\x00", "")
    return tuple(dict.fromkeys(key for key in (name_key(text), loose_key(text)) if key))


def fts_phrase(key: str) -> str:
    """`key` as an FTS5 string: taken literally, whatever operators or quotes it holds."""
    return '"' + key.replace('"', '""') + '"'


# --- candidates (SQL) ---------------------------------------------------------------------------

_Row = tuple[int, str, str]
# The scope's columns the legs read; the derived table `s` names them by column.
_SCOPE_FIELDS = (
    "id",
    "name_key",
    "search_text",
    "reading_key",
    "given_key",
    "given_reading_key",
    "alias",
    "alias_key",
    "merged_into_id",
)
_LEG_COLUMNS = "s.id, s.name_key, s.search_text"
_PREFIX_COLUMNS = ("name_key", "reading_key", "given_key", "given_reading_key")


@dataclass(frozen=True, slots=True)
class _Leg:
    """``SELECT … FROM (scope) AS s WHERE condition [ORDER BY order] LIMIT cap``."""

    condition: str
    params: tuple[Any, ...]
    cap: int
    order: tuple[str, ...] = ()


class _Statement:
    """The candidate legs over one compiled scope (the access rules), joined by UNION ALL."""

    def __init__(self, queryset: QuerySet[Person]) -> None:
        scope = queryset.order_by().values_list(*_SCOPE_FIELDS).query
        self.scope_sql, self.scope_params = scope.get_compiler(using=queryset.db).as_sql()

    def union_all(self, legs: Sequence[_Leg]) -> tuple[str, tuple[Any, ...]]:
        parts: list[str] = []
        params: list[Any] = []
        for number, leg in enumerate(legs):
            columns = ", ".join(f"s.{column}" for column in leg.order)
            order = f" ORDER BY {columns}" if columns else ""
            parts.append(
                f"SELECT * FROM (SELECT {_LEG_COLUMNS} FROM ({self.scope_sql}) AS s "  # noqa: S608
                f"WHERE {leg.condition}{order} LIMIT {leg.cap:d}) AS leg{number}"
            )
            params += (*self.scope_params, *leg.params)
        return " UNION ALL ".join(parts), tuple(params)


def _candidate_rows(queryset: QuerySet[Person], keys: Sequence[str], limit: int) -> list[_Row]:
    connection = connections[queryset.db]
    vendor = connection.vendor
    strict, loose = keys[0], keys[-1]
    statement = _Statement(queryset)
    prefix = [
        _prefix_leg(column, key, PREFIX_CAP)
        for column, key in zip(_PREFIX_COLUMNS, (strict, loose, strict, loose), strict=True)
    ]
    # Ordered by merged_into first, as the index is: PostgreSQL does not take "IS NULL" for a
    # constant when it matches an index order, and would sort every match. The alias condition
    # is written as the partial indexes' own: SQLite does not see that alias <> '' implies it.
    prefix.append(
        _prefix_leg(
            "alias_key",
            loose,
            ALIAS_CAP,
            where="NOT (s.alias = '') AND ",
            order=("merged_into_id", "alias_key"),
        )
    )
    substring = [_alias_leg(statement, connection, loose)]
    indexed = [key for key in keys if len(key) >= TRIGRAM]
    if indexed and vendor == "sqlite":
        phrases = " OR ".join(fts_phrase(key) for key in indexed)
        substring.append(_Leg(f"s.id IN ({_FTS_IDS})", (phrases,), SUBSTRING_CAP))
    elif indexed:
        # One leg per key: for an OR of two LIKEs the planner expects so many rows that it
        # chose a sequential scan "until LIMIT", which at 2M took seconds for a rare name.
        substring += [
            _Leg(*_like_contains(connection, "s.search_text", key), SUBSTRING_CAP)
            for key in indexed
        ]
    # Substring legs only when the prefix legs found fewer than `limit` persons: then the first
    # `limit` are exact or prefix hits already (an exact hit sorts first in its prefix leg, so
    # the caps never drop it), and a common key (オオタ, ショウ, 高) skips the trigram bitmap of
    # tens of thousands of rows and the scan of every alias. A one-time filter, checked once.
    prefix_sql, prefix_params = statement.union_all(prefix)
    sub_sql, sub_params = statement.union_all(substring)
    sql = (
        f"WITH prefix AS ({prefix_sql}) SELECT * FROM prefix "  # noqa: S608
        f"UNION ALL SELECT * FROM ({sub_sql}) AS sub WHERE "
        "(SELECT COUNT(*) FROM (SELECT DISTINCT * FROM prefix) AS hits) < %s"
    )
    params = (*prefix_params, *sub_params, limit)
    if len(loose) >= TRIGRAM and vendor == "postgresql":
        # Near misses only when the other legs found fewer than `limit` rows: an uncorrelated
        # condition, which PostgreSQL checks once (a one-time filter) before the trigram scan.
        # One key only, in a MATERIALIZED common table expression, planned for all its rows
        # (and read only as far as the LIMIT): with an OR of two <%, or planned under the
        # outer LIMIT, the planner's guesses turned it into a sequential scan "until LIMIT",
        # seconds at 2M for a rare name.
        sql = (
            f"WITH found AS ({sql}), near AS MATERIALIZED ("  # noqa: S608
            f"SELECT {_LEG_COLUMNS} FROM ({statement.scope_sql}) AS s "
            "WHERE %s <%% s.search_text) "
            "SELECT * FROM found UNION ALL "
            "(SELECT * FROM near WHERE (SELECT COUNT(*) FROM found) < %s LIMIT %s)"
        )
        params = (*params, *statement.scope_params, loose, limit, NEAR_MISS_CAP)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(pk, key, text) for pk, key, text in cursor.fetchall()]


def _prefix_leg(
    column: str, key: str, cap: int, *, where: str = "", order: tuple[str, ...] = ()
) -> _Leg:
    """`key` is a prefix of `column`: a range, read in index order."""
    condition = f"{where}s.{column} >= %s AND s.{column} < %s"
    return _Leg(condition, (key, key + PREFIX_END), cap, order or (column,))


def _alias_leg(statement: _Statement, connection: Any, key: str) -> _Leg:
    """Persons whose alias contains the loose key: the ids first, from the alias rows' indexes.

    The ids come from a subquery on the persons with an alias only: on PostgreSQL a trigram
    index for keys of three or more characters, otherwise an index-only scan of their narrow
    B-tree entries; the leg then reads those few persons' rows. Filtering the persons' rows
    directly visited every alias row's table row, or the trigram bitmap of the whole
    search_text for a key as common as ユウト (35 ms at 2M persons).
    """
    condition, params = _like_contains(connection, "a.alias_key", key)
    ids = (
        f"SELECT a.id FROM ({statement.scope_sql}) AS a "  # noqa: S608
        f"WHERE NOT (a.alias = '') AND {condition} LIMIT {ALIAS_CAP:d}"
    )
    return _Leg(f"s.id IN ({ids})", (*statement.scope_params, *params), ALIAS_CAP)


def _like_contains(connection: Any, column: str, key: str) -> tuple[str, tuple[str]]:
    """A LIKE condition on `column` for `key` anywhere, `key` taken literally."""
    operator = connection.operators["contains"]  # "LIKE %s", with ESCAPE on SQLite
    return f"{column} {operator}", (f"%{connection.ops.prep_for_like_query(key)}%",)


# --- ranking (Python) ---------------------------------------------------------------------------


def _rank(rows: list[_Row], keys: Sequence[str], limit: int) -> list[_Ranked]:
    if not rows:
        return []
    # Tokens recur across candidates (namesakes, shared readings): each is tiered and scored once.
    tier_of = functools.cache(lambda token: min(_key_tier(key, token) for key in keys))
    closeness = functools.cache(functools.partial(_similarity, _token_features(keys[0])))
    tiered = []
    for pk, key, text in rows:
        tokens = text.split()
        tiered.append((min(map(tier_of, tokens), default=Tier.NEAR_MISS), pk, key, tokens))
    # similarity is the costly part: only score the tiers that can reach the first `limit`.
    cutoff = sorted(tier for tier, *_ in tiered)[min(limit, len(tiered)) - 1]
    ranked = [
        _Ranked(pk, key, _score(tier, tokens, tier_of, closeness))
        for tier, pk, key, tokens in tiered
        if tier <= cutoff
    ]
    ranked.sort(key=lambda hit: (-hit.score, hit.name_key, hit.pk))
    return ranked[:limit]


# similarity() normalises both sides on every call; the keys of common names recur in every
# search, so their normal forms are kept (bounded) between searches.
@functools.lru_cache(maxsize=100_000)
def _token_features(token: str) -> tuple[str, Counter[tuple[str, str]]]:
    return name_key(token), _bigrams(loose_key(token))


def _similarity(query: tuple[str, Counter[tuple[str, str]]], token: str) -> float:
    """names.similarity(query text, token), from cached normal forms."""
    strict, grams = _token_features(token)
    if strict == query[0]:
        return 1.0
    return LOOSE_SIMILARITY_CEILING * _dice(query[1], grams)


def _key_tier(query_key: str, key: str) -> Tier:
    if key == query_key:
        return Tier.EXACT
    if key.startswith(query_key):
        return Tier.PREFIX
    if query_key in key:
        return Tier.SUBSTRING
    return Tier.NEAR_MISS


def _score(
    tier: Tier,
    tokens: Sequence[str],
    tier_of: Callable[[str], Tier],
    closeness: Callable[[str], float],
) -> float:
    """Tiers split [0, 1] into bands; similarity to the matching tokens places a hit in its band."""
    matching = [token for token in tokens if tier_of(token) == tier] or tokens
    best = max(map(closeness, matching), default=0.0)
    return (Tier.NEAR_MISS - tier + best) / (Tier.NEAR_MISS + 1)
