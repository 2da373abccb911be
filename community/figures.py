"""Attendance figures per place and period (counts only, no names), for the figures page and
for the statistics cross-tab.

Definitions (docs/community.md):
- 延べ利用者数 (visits): every attendance line, anonymous head counts included.
- 実利用者数 (participants): distinct identified participants. A nickname linked to a person
  counts as that person. Anonymous head counts are not included (nobody knows who they were).
- 初めての利用者 (first-time): identified participants whose first attendance at the place(s)
  falls in the period, plus the anonymous lines' 「うち初めて」.
- 対象別 / 年代別: visits by the place's audience, and by the participant's age band on the day.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from community.models import Attendance, Audience, Place
from people.models import AgeBand
from tsunagu.dates import age_on

IdentityKey = tuple[str, int]


@dataclass
class Figures:
    """The figures of one place, or of several places together."""

    sessions_held: int = 0
    visits: int = 0
    participants: int = 0
    first_time: int = 0
    anonymous_visits: int = 0
    by_audience: dict[str, int] = field(default_factory=dict)
    by_age_band: dict[str, int] = field(default_factory=dict)

    def audience_rows(self) -> list[tuple[str, int]]:
        return [(label, self.by_audience.get(code, 0)) for code, label in Audience.choices]

    def age_band_rows(self) -> list[tuple[str, int]]:
        return [(label, self.by_age_band.get(code, 0)) for code, label in AgeBand.choices]


@dataclass
class PlaceFigures:
    place: Place
    figures: Figures


@dataclass
class FiguresReport:
    start: date
    end: date
    total: Figures
    per_place: list[PlaceFigures]


@dataclass(frozen=True)
class _Line:
    place_id: int
    day: date
    identity: IdentityKey | None
    head_count: int
    first_time_count: int
    age_band: str


def attendance_figures(places: Iterable[Place], start: date, end: date) -> FiguresReport:
    """Figures of `places` for sessions dated `start`..`end` inclusive (3 queries).

    The caller scopes `places` (e.g. `visible_to(user, Place.objects.all())`, or all places
    of a municipality for the statistics cross-tab). No personal data is returned.
    """
    places = list(places)
    place_ids = [place.pk for place in places]
    audience_of = {place.pk: place.audience for place in places}
    lines = _lines(place_ids, end)
    held = _sessions_held(place_ids, start, end)
    total = _figures(lines, start, end, audience_of)
    total.sessions_held = sum(held.values())
    per_place = []
    for place in places:
        figures = _figures([ln for ln in lines if ln.place_id == place.pk], start, end, audience_of)
        figures.sessions_held = held.get(place.pk, 0)
        per_place.append(PlaceFigures(place, figures))
    return FiguresReport(start=start, end=end, total=total, per_place=per_place)


def _sessions_held(place_ids: list[int], start: date, end: date) -> Counter[int]:
    from community.models import Session

    rows = Session.objects.filter(
        place_id__in=place_ids, date__gte=start, date__lte=end, is_cancelled=False
    ).values_list("place_id", flat=True)
    return Counter(rows)


def _lines(place_ids: list[int], end: date) -> list[_Line]:
    # Every line up to the end of the period: earlier ones decide who is a first-time visitor.
    rows = Attendance.objects.filter(
        session__place_id__in=place_ids, session__date__lte=end, session__is_cancelled=False
    ).values(
        "session__place_id",
        "session__date",
        "person_id",
        "person__birth_date",
        "person__age_band",
        "nickname_id",
        "nickname__age_band",
        "nickname__linked_person_id",
        "nickname__linked_person__birth_date",
        "nickname__linked_person__age_band",
        "head_count",
        "first_time_count",
    )
    return [_line(row) for row in rows]


def _line(row: Mapping[str, Any]) -> _Line:
    day = row["session__date"]
    if row["person_id"] is not None:
        identity: IdentityKey | None = ("person", row["person_id"])
        band = _band(row["person__birth_date"], row["person__age_band"], day)
    elif row["nickname__linked_person_id"] is not None:
        identity = ("person", row["nickname__linked_person_id"])
        band = _band(
            row["nickname__linked_person__birth_date"],
            row["nickname__linked_person__age_band"],
            day,
        )
    elif row["nickname_id"] is not None:
        identity = ("nickname", row["nickname_id"])
        band = row["nickname__age_band"] or AgeBand.UNKNOWN
    else:
        identity, band = None, AgeBand.UNKNOWN
    return _Line(
        place_id=row["session__place_id"],
        day=day,
        identity=identity,
        head_count=row["head_count"],
        first_time_count=row["first_time_count"],
        age_band=str(band),
    )


def _band(birth_date: date | None, recorded_band: str | None, on: date) -> str:
    if birth_date is not None:
        return str(AgeBand.for_age(age_on(birth_date, on)))
    return recorded_band or AgeBand.UNKNOWN


def _figures(lines: list[_Line], start: date, end: date, audience_of: dict[int, str]) -> Figures:
    figures = Figures()
    first_seen: dict[IdentityKey, date] = {}
    for line in lines:
        if line.identity is not None and (
            line.identity not in first_seen or line.day < first_seen[line.identity]
        ):
            first_seen[line.identity] = line.day
    by_audience: Counter[str] = Counter()
    by_age_band: Counter[str] = Counter()
    identities = set()
    for line in lines:
        if not start <= line.day <= end:
            continue
        figures.visits += line.head_count
        by_audience[audience_of[line.place_id]] += line.head_count
        by_age_band[line.age_band] += line.head_count
        if line.identity is None:
            figures.anonymous_visits += line.head_count
            figures.first_time += line.first_time_count
        else:
            identities.add(line.identity)
    figures.participants = len(identities)
    figures.first_time += sum(1 for key in identities if first_seen[key] >= start)
    figures.by_audience = dict(by_audience)
    figures.by_age_band = dict(by_age_band)
    return figures
