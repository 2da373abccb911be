"""The menu in a real browser: at 1280 px no entry breaks inside a word (ホー/ム), at 390 px the
header never makes the page scroll sideways and the メニュー drawer opens on the grouped list;
everything is reached by keyboard and Escape closes what is open."""

from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

TIMEOUT_MS = 10_000
DESKTOP_WIDTH = 1280
PHONE_WIDTH = 390


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="メインメニュー")


def lines_of(link: Locator) -> int:
    """How many line boxes the entry's text takes (one unless it wraps)."""
    lines: int = link.evaluate("element => element.getClientRects().length")
    return lines


def one_line_height(link: Locator) -> float:
    """The entry's height against the height of one line of its text."""
    ratio: float = link.evaluate(
        """element => {
            const style = getComputedStyle(element);
            const padding = parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
            const content = element.getBoundingClientRect().height - padding;
            return content / parseFloat(style.lineHeight);
        }"""
    )
    return ratio


def page_width(page: Page) -> int:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width


def test_at_1280_px_no_menu_entry_breaks_inside_a_word(
    page: Page, server_url: str, personas: dict[str, Any], traffic: Any
) -> None:
    page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 800})
    # 調整 has the most entries of any role.
    log_in(page, server_url, "chousei", PASSWORD)
    menu = main_menu(page)
    groups = menu.locator(".menu-group-toggle > summary")
    expect(groups).to_have_text(["相談・ケース", "連携", "地域", "集計", "管理"])
    # The bar itself is one row: ホーム, お知らせ and the five groups.
    tops = menu.locator(".menu-bar > li").evaluate_all(
        "items => items.map(item => Math.round(item.getBoundingClientRect().top))"
    )
    assert len(set(tops)) == 1, tops
    checked = []
    for link in menu.locator(".menu-entry > a").all():
        assert lines_of(link) == 1, link.inner_text()
        checked.append(link.inner_text())
    for index in range(groups.count()):
        summary = groups.nth(index)
        assert lines_of(summary) == 1, summary.inner_text()
        summary.click()
        links = summary.locator("xpath=../..").locator("ul a")
        expect(links.first).to_be_visible()
        for link in links.all():
            assert lines_of(link) == 1, link.inner_text()
            assert one_line_height(link) == pytest.approx(1, abs=0.05), link.inner_text()
            checked.append(link.inner_text())
    assert "ケース" in checked and "重複の確認" in checked and "共有されたケース" in checked
    # Opening one group closed the one before (one disclosure open at a time).
    expect(menu.locator("details[open]")).to_have_count(1)
    assert traffic.csp_violations() == []


def test_at_1280_px_a_group_opens_by_keyboard_and_escape_closes_it(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    page.set_viewport_size({"width": DESKTOP_WIDTH, "height": 800})
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へ移動")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    cases_group = main_menu(page).locator("summary", has_text="相談・ケース")
    cases_group.focus()
    page.keyboard.press("Enter")
    entry = main_menu(page).get_by_role("link", name="ケース", exact=True)
    expect(entry).to_be_visible()
    page.keyboard.press("Tab")
    expect(main_menu(page).get_by_role("link", name="本人・家族")).to_be_focused()
    page.keyboard.press("Escape")
    expect(entry).to_be_hidden()
    expect(cases_group).to_be_focused()
    # A click outside an open group closes it.
    page.keyboard.press("Enter")
    expect(entry).to_be_visible()
    page.get_by_role("heading", level=1).click()
    expect(entry).to_be_hidden()
    # The entry leads to its page, which the menu marks as current in its group.
    cases_group.click()
    entry.click()
    expect(page).to_have_url(f"{server_url}/cases/")
    expect(main_menu(page).locator('summary[aria-current="true"]')).to_have_text("相談・ケース")
    expect(main_menu(page).locator('a[aria-current="page"]')).to_have_text("ケース")


def test_at_390_px_the_header_fits_and_the_drawer_shows_the_grouped_list(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    log_in(page, server_url, "soudan", PASSWORD)
    for path in ("/", "/cases/"):
        page.goto(f"{server_url}{path}")
        assert page_width(page) <= PHONE_WIDTH, path
        expect(page.get_by_role("button", name="ログアウト")).to_be_in_viewport()
    menu = main_menu(page)
    entry = menu.get_by_role("link", name="ケース", exact=True)
    expect(entry).to_be_hidden()
    drawer = menu.locator("summary", has_text="メニュー")
    drawer.click()
    expect(entry).to_be_visible()
    # Every group is open in the drawer, one entry per line, without a click per group.
    for label in ("相談・ケース", "連携", "地域", "集計", "管理"):
        expect(menu.locator(".menu-group-heading", has_text=label)).to_be_visible()
    expect(menu.get_by_role("link", name="統計")).to_be_visible()
    assert page_width(page) <= PHONE_WIDTH
    page.keyboard.press("Escape")
    expect(entry).to_be_hidden()
    expect(drawer).to_be_focused()
    drawer.click()
    entry.click()
    expect(page).to_have_url(f"{server_url}/cases/")
    expect(entry).to_be_hidden()
