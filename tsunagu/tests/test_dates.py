import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis.strategies import dates

from tsunagu.dates import (
    ERAS,
    SUPPORTED_FROM,
    age_on,
    era_year,
    fiscal_year,
    fiscal_year_label,
    fiscal_year_range,
    format_wareki_with_age,
    parse_wareki,
    wareki,
    wareki_short,
    wareki_year,
)

supported_dates = dates(min_value=date(1873, 1, 1), max_value=date(2100, 12, 31))


def test_eras_are_listed_in_order_with_their_first_days() -> None:
    assert [(era.name, era.abbreviation, era.start) for era in ERAS[1:]] == [
        ("大正", "T", date(1912, 7, 30)),
        ("昭和", "S", date(1926, 12, 25)),
        ("平成", "H", date(1989, 1, 8)),
        ("令和", "R", date(2019, 5, 1)),
    ]
    assert ERAS[0].name == "明治"
    assert ERAS[0].first_year == 1868


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 4, 1), "令和7年4月1日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1926, 12, 24), "大正15年12月24日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(1912, 7, 29), "明治45年7月29日"),
        (date(1873, 1, 1), "明治6年1月1日"),
    ],
)
def test_it_writes_dates_in_wareki_across_era_boundaries(d: date, expected: str) -> None:
    assert wareki(d) == expected


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2025, 4, 1), "R7.4.1"),
        (date(2019, 5, 1), "R1.5.1"),
        (date(2019, 4, 30), "H31.4.30"),
        (date(1989, 1, 7), "S64.1.7"),
    ],
)
def test_it_writes_short_wareki_for_tables(d: date, expected: str) -> None:
    assert wareki_short(d) == expected


def test_it_writes_the_first_year_as_gannen() -> None:
    assert wareki_year(date(2019, 5, 1)) == "令和元年"
    assert wareki_year(date(2019, 12, 31)) == "令和元年"
    assert wareki_year(date(2020, 1, 1)) == "令和2年"


def test_era_year_gives_the_era_name_and_year_number() -> None:
    assert era_year(date(2019, 5, 1)) == ("令和", 1)
    assert era_year(date(2019, 4, 30)) == ("平成", 31)
    assert era_year(date(2025, 4, 1)) == ("令和", 7)


def test_it_refuses_dates_before_the_gregorian_calendar_in_japanese() -> None:
    with pytest.raises(ValueError, match="1872年12月31日には対応していません"):
        wareki(SUPPORTED_FROM - timedelta(days=1))
    with pytest.raises(ValueError, match="対応範囲"):
        era_year(date(1800, 1, 1))


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2020, 3, 31), 2019),
        (date(2020, 4, 1), 2020),
        (date(2019, 12, 31), 2019),
        (date(2020, 1, 1), 2019),
    ],
)
def test_the_fiscal_year_turns_over_on_the_first_of_april(d: date, expected: int) -> None:
    assert fiscal_year(d) == expected


def test_a_fiscal_year_runs_from_the_first_of_april_to_the_thirty_first_of_march() -> None:
    assert fiscal_year_range(2019) == (date(2019, 4, 1), date(2020, 3, 31))


def test_a_leap_year_fiscal_year_ends_on_the_thirty_first_of_march_too() -> None:
    assert fiscal_year_range(2023) == (date(2023, 4, 1), date(2024, 3, 31))


@given(supported_dates)
def test_every_date_lies_in_the_range_of_its_fiscal_year(d: date) -> None:
    start, end = fiscal_year_range(fiscal_year(d))
    assert start <= d <= end


@pytest.mark.parametrize(
    ("fy", "expected"),
    [
        (2017, "平成29年度"),
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (2025, "令和7年度"),
        (1988, "昭和63年度"),
        (1989, "平成元年度"),
    ],
)
def test_fiscal_years_carry_the_labels_the_government_uses(fy: int, expected: str) -> None:
    assert fiscal_year_label(fy) == expected


def test_fiscal_year_2019_is_reiwa_gannen_although_it_began_in_heisei() -> None:
    assert wareki_year(fiscal_year_range(2019)[0]) == "平成31年"
    assert fiscal_year_label(2019) == "令和元年度"


@pytest.mark.parametrize(
    ("birth", "on", "expected"),
    [
        (date(1975, 5, 5), date(2025, 5, 4), 49),
        (date(1975, 5, 5), date(2025, 5, 5), 50),
        (date(1975, 5, 5), date(1975, 5, 5), 0),
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
    ],
)
def test_age_counts_completed_years_from_the_birthday(birth: date, on: date, expected: int) -> None:
    assert age_on(birth, on) == expected


def test_age_refuses_a_day_before_the_birth_in_japanese() -> None:
    with pytest.raises(ValueError, match=r"生年月日.*より前です"):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


def test_it_formats_a_birth_date_with_the_age() -> None:
    assert format_wareki_with_age(date(1975, 5, 5), date(2025, 5, 5)) == "昭和50年5月5日生（50歳）"
    assert format_wareki_with_age(date(2019, 5, 1), date(2025, 4, 30)) == "令和元年5月1日生（5歳）"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和7年4月1日", date(2025, 4, 1)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("R7.4.1", date(2025, 4, 1)),
        ("r7.4.1", date(2025, 4, 1)),
        ("R07.04.01", date(2025, 4, 1)),
        ("R7/4/1", date(2025, 4, 1)),
        ("R7-4-1", date(2025, 4, 1)),
        ("R元.5.1", date(2019, 5, 1)),
        ("H31.4.30", date(2019, 4, 30)),
        ("S64.1.7", date(1989, 1, 7)),
        ("H1.1.8", date(1989, 1, 8)),
        ("T15.12.24", date(1926, 12, 24)),
        ("M6.1.1", date(1873, 1, 1)),
        ("令和７年４月１日", date(2025, 4, 1)),
        ("Ｒ７．４．１", date(2025, 4, 1)),
        ("  令和 7年 4月 1日 ", date(2025, 4, 1)),
    ],
)
def test_it_parses_wareki_in_its_usual_spellings(text: str, expected: date) -> None:
    assert parse_wareki(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("平成31年5月1日", "平成31年5月1日は存在しない日付です（平成は2019年4月30日まで）"),
        ("平成32年1月1日", "平成32年1月1日は存在しない日付です（平成は2019年4月30日まで）"),
        ("昭和64年1月8日", "昭和64年1月8日は存在しない日付です（昭和は1989年1月7日まで）"),
        ("令和元年4月30日", "令和元年4月30日は存在しない日付です（令和は2019年5月1日から）"),
        ("平成元年1月7日", "平成元年1月7日は存在しない日付です（平成は1989年1月8日から）"),
        ("令和0年5月1日", "令和0年5月1日は存在しない日付です（令和は2019年5月1日から）"),
        ("令和7年2月29日", "令和7年2月29日は存在しない日付です"),
        ("令和7年13月1日", "令和7年13月1日は存在しない日付です"),
        ("明治5年12月31日", "1872年12月31日には対応していません"),
    ],
)
def test_it_rejects_dates_that_do_not_exist_in_their_era(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        parse_wareki(text)


@pytest.mark.parametrize("text", ["", "2025年4月1日", "令和7年4月", "X7.4.1", "令和七年四月一日"])
def test_it_rejects_text_that_is_not_a_wareki_date_in_japanese(text: str) -> None:
    with pytest.raises(ValueError, match="和暦の日付として読み取れません"):
        parse_wareki(text)


@given(supported_dates)
def test_parsing_what_it_writes_gives_back_the_same_date(d: date) -> None:
    assert parse_wareki(wareki(d)) == d


@given(supported_dates)
def test_parsing_the_abbreviated_form_gives_back_the_same_date(d: date) -> None:
    name, year = era_year(d)
    letter = next(era.abbreviation for era in ERAS if era.name == name)
    assert parse_wareki(f"{letter}{year}.{d.month}.{d.day}") == d
