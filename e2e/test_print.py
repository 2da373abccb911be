"""Printing (static/css/print.css, docs/design.md「印刷」): a case and the statistics on A4.

Chromium prints each page to a PDF as the browser's print dialog would (print media, the
stylesheet's own page size). The PDFs are kept under test-results/ for a person to look at.
The known data set of reports/tests/data.py is loaded: 上田さん (p3) has a case with activities
in 平成29年度; table C of that year has nineteen agency columns.
"""

import re
import unicodedata
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

MM = 96 / 25.4  # CSS px in a millimetre
# The content width of the pages print.css sets: A4 less its side margins (12 mm and 10 mm).
PORTRAIT_WIDTH = int((210 - 2 * 12) * MM)
LANDSCAPE_WIDTH = int((297 - 2 * 10) * MM)
A4_PORTRAIT = (595, 842)  # points
A4_LANDSCAPE = (842, 595)
WESTERN_DATE = re.compile(r"(19|20)\d\d年\d{1,2}月")
JST = ZoneInfo("Asia/Tokyo")


@pytest.fixture
def world(transactional_db: None) -> Any:
    from accounts.demo import build_world
    from reports.tests.data import build_known_data

    world = build_world(password=PASSWORD, demo=False)
    build_known_data(world)
    return world


@pytest.fixture
def personas(world: Any) -> dict[str, Any]:
    return world.staff


@pytest.fixture
def case_with_activities(world: Any) -> Any:
    """上田さん's case, with a year of home visits written at length, so that it runs over pages."""
    from cases.models import Activity, Case

    case = Case.objects.get(title="p3のケース")
    for month in range(1, 13):
        Activity.objects.create(
            case=case,
            occurred_at=datetime(2025, month, 10, 14, 0, tzinfo=JST),
            kind="home_visit",
            content=(
                "自宅を訪問し、母親と玄関先で三十分ほど話した。本人は二階の自室にいて、"
                "声をかけると返事があった。次回は本人あての手紙を持っていくことにした。"
            )
            * 3,
            next_action="手紙を書いて次の訪問で渡す",
            recorded_by=world.staff["soudan"],
        )
    return case


def printed_pdf(page: Page, path: Path) -> PdfReader:
    """The page printed as the print dialog would, kept at `path`."""
    page.emulate_media(media="print")
    pdf = page.pdf(path=path, prefer_css_page_size=True, print_background=True)
    return PdfReader(BytesIO(pdf))


def page_sizes(reader: PdfReader) -> set[tuple[int, int]]:
    return {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in reader.pages}


def pdf_text(reader: PdfReader) -> str:
    """The PDF's text without its line breaks (a table cell wraps inside a date)."""
    # The Japanese font maps some kanji to their Kangxi radical forms (子 → ⼦); NFKC undoes it.
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() for p in reader.pages))
    return re.sub(r"\s+", "", text)


def page_width_in_print(page: Page, width: int) -> int:
    """The page's width laid out for print in a window as wide as the paper's content."""
    page.set_viewport_size({"width": width, "height": 1000})
    page.emulate_media(media="print")
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_a_case_prints_on_a4_portrait_without_the_menu_and_with_japanese_dates(
    page: Page, server_url: str, case_with_activities: Any, output_dir: Path
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/cases/{case_with_activities.pk}/")

    assert page_width_in_print(page, PORTRAIT_WIDTH) <= PORTRAIT_WIDTH
    expect(page.get_by_role("navigation", name="メインメニュー")).to_be_hidden()
    expect(page.get_by_role("link", name="本文へ移動")).to_be_hidden()
    expect(page.get_by_role("button", name="段階を変える")).to_be_hidden()
    expect(page.get_by_role("link", name="支援経過を記録")).to_be_hidden()
    expect(page.get_by_role("heading", name="記録する")).to_be_hidden()
    # The record itself prints whole: its title, its sections and every activity's text.
    expect(page.get_by_role("heading", level=1)).to_have_text("p3のケース")
    expect(page.get_by_role("heading", name="支援経過（新しい順）")).to_be_visible()
    next_step = page.get_by_role("columnheader", name="次にすること")
    activity_table = page.locator("table", has=next_step)
    activities = activity_table.locator("tbody tr")
    expect(activities).to_have_count(16)  # 12 here and 4 of the known data
    expect(activities.first).to_contain_text("次回は本人あての手紙を持っていくことにした。")
    # The small line at the top: who printed it, their organisation, the print date in 和暦.
    header = page.locator(".site-header")
    expect(header).to_contain_text("相談 花子（つなぐ市 ひきこもり相談窓口）")
    expect(header).to_have_attribute("data-printed-on", re.compile(r"^令和\d+年\d+月\d+日$"))
    main_text = page.locator("main").inner_text()
    assert "令和7年12月10日 14:00" in main_text
    assert "平成29年10月1日 10:00" in main_text  # an activity of the known data
    assert WESTERN_DATE.search(main_text) is None

    reader = printed_pdf(page, output_dir / "print-case.pdf")
    assert len(reader.pages) >= 2
    assert page_sizes(reader) == {A4_PORTRAIT}
    text = pdf_text(reader)
    assert "p3のケース" in text
    assert "令和7年1月10日14:00" in text
    assert "メインメニュー" not in text and "ログアウト" not in text


def test_the_statistics_print_on_a4_landscape_and_table_c_fits(
    page: Page, server_url: str, output_dir: Path
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/reports/?year=2017")
    expect(page.locator("#table-c")).to_contain_text("66.7%")

    assert page_width_in_print(page, LANDSCAPE_WIDTH) <= LANDSCAPE_WIDTH
    table_c = page.locator("#table-c").bounding_box()
    assert table_c is not None and table_c["width"] <= LANDSCAPE_WIDTH
    expect(page.get_by_role("navigation", name="メインメニュー")).to_be_hidden()
    expect(page.get_by_role("button", name="表示する")).to_be_hidden()
    expect(page.get_by_role("link", name="Excel（xlsx）")).to_be_hidden()

    reader = printed_pdf(page, output_dir / "print-statistics.pdf")
    assert page_sizes(reader) == {A4_LANDSCAPE}
    text = pdf_text(reader)
    assert "表C" in text and "平成29年度" in text and "66.7%" in text


def test_table_c_fits_a_1280_px_screen_and_scrolls_in_its_region_below(
    page: Page, server_url: str
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/reports/?year=2017")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    table_c = "表C 関係機関へつないだ件数（機関種別）"
    region = page.get_by_role("region", name=f"{table_c}（横に動かせます）")
    assert page.evaluate("r => r.scrollWidth <= r.clientWidth", region.element_handle())

    page.set_viewport_size({"width": 390, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(region).to_have_attribute("tabindex", "0")
