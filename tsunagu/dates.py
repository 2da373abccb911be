"""Japanese date helpers: 和暦 (era dates), 年度 (fiscal years) and ages.

Pure Python, no Django import, so it can be used anywhere (models, templates, CSV exports).

Supported range: from 1873-01-01 (明治6年1月1日), the day Japan adopted the Gregorian
calendar. Earlier Meiji dates were reckoned in the lunisolar calendar and cannot be converted by
simple arithmetic, so every function here raises ValueError for them.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

__all__ = [
    "ERAS",
    "SUPPORTED_FROM",
    "Era",
    "age_on",
    "era_year",
    "fiscal_year",
    "fiscal_year_label",
    "fiscal_year_range",
    "format_wareki_with_age",
    "parse_wareki",
    "wareki",
    "wareki_year",
]


@dataclass(frozen=True, slots=True)
class Era:
    """A Japanese era: its name, its one-letter abbreviation and its first day (Gregorian)."""

    name: str
    abbreviation: str
    start: date

    @property
    def first_year(self) -> int:
        """The Gregorian year of the era's 元年 (year 1)."""
        return self.start.year


SUPPORTED_FROM = date(1873, 1, 1)

# 明治's start is the proclamation date (1868-10-23); only its Gregorian year is used, because
# dates before SUPPORTED_FROM are rejected anyway.
ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 10, 23)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)

# Eras announced in advance (令和, by abdication) name the fiscal year they begin in 元年度.
_ERAS_NAMING_THEIR_FIRST_FISCAL_YEAR = frozenset({"令和"})


def _year_text(year: int) -> str:
    return "元" if year == 1 else str(year)


def _gregorian(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _check_supported(d: date) -> None:
    if d < SUPPORTED_FROM:
        raise ValueError(
            f"{_gregorian(d)}には対応していません"
            f"（対応範囲は明治6年1月1日＝{_gregorian(SUPPORTED_FROM)}以降）"
        )


def _era_of(d: date) -> Era:
    _check_supported(d)
    return next(era for era in reversed(ERAS) if era.start <= d)


def _era_end(era: Era) -> date | None:
    """The era's last day, or None for the current era."""
    index = ERAS.index(era)
    if index + 1 == len(ERAS):
        return None
    return date.fromordinal(ERAS[index + 1].start.toordinal() - 1)


def era_year(d: date) -> tuple[str, int]:
    """The era name and year number of a date: date(2019, 5, 1) → ("令和", 1)."""
    era = _era_of(d)
    return era.name, d.year - era.first_year + 1


def wareki_year(d: date) -> str:
    """The era year of a date, with year 1 written 元年: date(2019, 5, 1) → "令和元年"."""
    name, year = era_year(d)
    return f"{name}{_year_text(year)}年"


def wareki(d: date) -> str:
    """A date in 和暦: date(2025, 4, 1) → "令和7年4月1日", date(2019, 5, 1) → "令和元年5月1日"."""
    return f"{wareki_year(d)}{d.month}月{d.day}日"


def wareki_short(d: date) -> str:
    """A date in short 和暦, as offices write it in a table: date(2025, 4, 1) → "R7.4.1"
    (year 1 is 1, not 元)."""
    era = _era_of(d)
    return f"{era.abbreviation}{d.year - era.first_year + 1}.{d.month}.{d.day}"


def fiscal_year(d: date) -> int:
    """The 年度 (1 April to 31 March) a date belongs to: 2020-03-31 → 2019, 2020-04-01 → 2020."""
    return d.year if d.month >= 4 else d.year - 1


def fiscal_year_range(fy: int) -> tuple[date, date]:
    """The first and last day (both inclusive) of a fiscal year: 2019 → (2019-04-01, 2020-03-31)."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def fiscal_year_label(fy: int) -> str:
    """The 和暦 label of a fiscal year, as government documents write it: 2020 → "令和2年度".

    Rule: the era in force on 1 April, the first day of the fiscal year. So FY1988 (which
    contains 平成's first day, 1989-01-08) is 昭和63年度 and FY1989 is 平成元年度.

    Exception: FY2019 is 令和元年度, the convention ministries (MHLW included) have used since
    the era change of 2019-05-01 was fixed in advance. Some documents, mostly those written
    before May 2019, call the same fiscal year 平成31年度; this function never returns that label.
    """
    start, end = fiscal_year_range(fy)
    name, year = era_year(start)
    for era in ERAS:
        if era.name in _ERAS_NAMING_THEIR_FIRST_FISCAL_YEAR and start < era.start <= end:
            name, year = era.name, 1
    return f"{name}{_year_text(year)}年度"


def age_on(birth: date, on: date) -> int:
    """Age in completed years on the day ``on``, for display: one more year from the birthday.

    A person born on 29 February gets a year older on 1 March in non-leap years. This matches
    the age held throughout the day under 年齢計算ニ関スル法律, by which a year is completed
    at the end of the day before the birthday. Rules keyed to the day a person *reaches* an age
    (〜歳に達した日, e.g. for pensions or school entry) mean that day before: compute them with
    ``age_on(birth, on + timedelta(days=1))``.
    """
    if on < birth:
        raise ValueError(f"基準日（{_gregorian(on)}）が生年月日（{_gregorian(birth)}）より前です")
    before_birthday = (on.month, on.day) < (birth.month, birth.day)
    return on.year - birth.year - int(before_birthday)


def format_wareki_with_age(birth: date, on: date) -> str:
    """A birth date with the age on a day: "昭和50年5月5日生（50歳）"."""
    return f"{wareki(birth)}生（{age_on(birth, on)}歳）"


_ERAS_BY_NAME = {key: era for era in ERAS for key in (era.name, era.abbreviation)}

_WAREKI = re.compile(
    r"(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*(?P<year>元|\d{1,3})\s*"
    r"(?:年\s*(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*日"
    r"|[./-]\s*(?P<short_month>\d{1,2})\s*[./-]\s*(?P<short_day>\d{1,2}))",
    re.ASCII,
)


def parse_wareki(text: str) -> date:
    """Parse a 和暦 date: "令和7年4月1日", "令和元年5月1日", "R7.4.1", "H31/4/30", "S64-1-7".

    Full-width characters are accepted (the text is NFKC-normalised first), as are lowercase era
    letters and spaces between the parts; kanji numerals (令和七年) are not. Dates outside their
    era, such as 平成31年5月1日 or 昭和64年1月8日, and dates that do not exist at all raise
    ValueError.
    """
    normalised = unicodedata.normalize("NFKC", text).strip().upper()
    match = _WAREKI.fullmatch(normalised)
    if match is None:
        raise ValueError(f"「{text}」は和暦の日付として読み取れません（例: 令和7年4月1日、R7.4.1）")
    era = _ERAS_BY_NAME[match["era"]]
    year = 1 if match["year"] == "元" else int(match["year"])
    month = int(match["month"] or match["short_month"])
    day = int(match["day"] or match["short_day"])
    return _era_date(era, year, month, day)


def _era_date(era: Era, year: int, month: int, day: int) -> date:
    label = f"{era.name}{_year_text(year)}年{month}月{day}日"
    try:
        result = date(era.first_year + year - 1, month, day)
    except ValueError as exc:
        raise ValueError(f"{label}は存在しない日付です") from exc
    _check_supported(result)
    if result < era.start:
        raise ValueError(f"{label}は存在しない日付です（{era.name}は{_gregorian(era.start)}から）")
    end = _era_end(era)
    if end is not None and result > end:
        raise ValueError(f"{label}は存在しない日付です（{era.name}は{_gregorian(end)}まで）")
    return result
