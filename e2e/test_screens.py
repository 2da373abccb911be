"""Tablet and phone widths, and the date-time field's Tab stops (docs/design.md「画面の幅」)."""

from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in


def _stops_within(page: Page, ids: tuple[str, ...], *, limit: int = 12) -> int:
    """Tab presses from the first control until the focus leaves the given controls."""
    presses = 0
    while page.evaluate("() => document.activeElement.id") in ids:
        page.keyboard.press("Tab")
        presses += 1
        assert presses <= limit, "the focus never left the date-time field"
    return presses


def test_the_received_time_is_a_date_then_a_time_in_five_tab_stops(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/consultations/new/")

    date, clock = page.get_by_label("受付日時の日付"), page.get_by_label("受付日時の時刻")
    expect(date).to_be_focused()
    expect(date).to_have_attribute("type", "date")
    # The date control's 年, 月, 日 and its calendar button, then one box for the time (no
    # 午前/午後, whatever the browser's language), then the next field.
    assert _stops_within(page, ("id_received_at_0", "id_received_at_1")) == 5
    page.get_by_label("受付日時の時刻").fill("９：０５")  # full-width, as the IME types it
    page.get_by_role("button", name="相談を記録する").click()
    expect(page.locator("#form-errors")).to_be_visible()  # 相談者 and 対応 are missing
    expect(clock).to_have_value("09:05")  # read as 09:05 and shown so


def test_the_activity_form_fits_a_phone_and_keeps_the_time_it_was_given(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    from cases.tests.helpers import open_case

    case = open_case(personas["soudan"], opened_days_ago=30)
    page.set_viewport_size({"width": 390, "height": 800})
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/cases/{case.pk}/activities/new/")

    page.get_by_label("日時の日付").fill("2025-05-01")
    page.get_by_label("日時の時刻").fill("18:05")
    page.get_by_role("button", name="記録する").click()

    expect(page.locator(".error-summary")).to_be_visible()  # 種類 and 内容 are missing
    expect(page.get_by_label("日時の日付")).to_have_value("2025-05-01")
    expect(page.get_by_label("日時の時刻")).to_have_value("18:05")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
