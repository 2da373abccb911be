"""The administration pages in a real browser: the window's administrator registers an NPO and
commissions it, an overlapping contract is refused at its field, and the pages fit a phone."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

TIMEOUT_MS = 10_000
PHONE_WIDTH = 390


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def scrolls_sideways(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width > PHONE_WIDTH


def test_an_administrator_registers_an_organisation_and_commissions_it(
    page: Page, server_url: str, personas: dict[str, Any], traffic: Any
) -> None:
    log_in(page, server_url, "admin", PASSWORD)
    menu = page.get_by_role("navigation", name="メインメニュー")
    menu.locator("summary", has_text="管理").click()  # the menu's group 管理 opens
    menu.get_by_role("link", name="機関・契約の管理").click()
    page.get_by_role("link", name="機関", exact=True).click()
    page.get_by_role("link", name="機関を登録する").click()
    page.get_by_label("機関名").fill("NPO法人 あさひ")
    page.get_by_label("種別").select_option(label="民間支援団体（当事者団体・NPO法人等）")
    page.get_by_label("所在地").fill("つなぐ市朝日町1-2-3")
    page.get_by_label("電話番号").fill("0120-11-2233")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("NPO法人 あさひ を登録しました。")).to_be_visible()

    page.goto(f"{server_url}/administration/contracts/new/")
    page.get_by_label("委託先（必須）", exact=True).select_option(label="NPO法人 あさひ")
    page.get_by_label("委託事業").fill("アウトリーチ事業")
    page.get_by_label("契約開始日").fill("R7.4.1")
    page.get_by_label("契約終了日").fill("R8.3.31")
    page.get_by_label("アウトリーチ（訪問支援）").check()
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("を登録しました。")).to_be_visible()

    page.goto(f"{server_url}/administration/contracts/new/")
    page.get_by_label("委託先（必須）", exact=True).select_option(label="NPO法人 あさひ")
    page.get_by_label("委託事業").fill("アウトリーチ事業")
    page.get_by_label("契約開始日").fill("R7.10.1")
    page.get_by_label("アウトリーチ（訪問支援）").check()
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_role("alert").filter(has_text="期間が重なっています").first).to_be_visible()
    expect(page.get_by_label("委託事業")).to_have_value("アウトリーチ事業")  # the input is kept

    page.set_viewport_size({"width": PHONE_WIDTH, "height": 800})
    for path in ("contracts/new/", "contracts/", "organisations/", "local-governments/"):
        page.goto(f"{server_url}/administration/{path}")
        assert not scrolls_sideways(page), path
    assert traffic.foreign_urls() == []
    assert traffic.csp_violations() == []
