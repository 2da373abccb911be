"""Statistics in a browser: the fiscal-year tables with real figures, the charts, the cross-tab.

The known data set of reports/tests/data.py is loaded: つなぐ市's window has 10 persons and 15
consultation contacts in 平成29年度 (FY2017).
"""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD, Traffic
from e2e.test_login import log_in


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


def test_the_worker_opens_the_tables_of_a_year_and_sees_real_figures(
    page: Page, server_url: str, traffic: Traffic
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/reports/")
    page.get_by_label("年度").select_option(label="平成29年度")
    page.get_by_role("button", name="表示する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "統計：平成29年度 つなぐ市 ひきこもり相談窓口"
    )
    table_a = page.locator("#table-a")
    expect(table_a.locator("tbody tr").first).to_contain_text("平成29年度")
    expect(table_a.locator("tbody td").last).to_have_text("10")
    expect(page.locator("#table-b tbody td").last).to_have_text("15")
    expect(page.locator("#table-c")).to_contain_text("66.7%")
    chart = page.get_by_alt_text("実相談人数の推移（年代別の積み上げ棒グラフ）")
    expect(chart).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=chart.element_handle()
    )

    table_a.get_by_role("link", name="3").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("平成29年度の内訳：10代")
    expect(page.get_by_text("3件の記録が数えられています。")).to_be_visible()
    assert traffic.foreign_urls() == []
    assert traffic.csp_violations() == []


def test_the_statistics_clerk_builds_a_cross_tab(
    page: Page, server_url: str, traffic: Traffic
) -> None:
    log_in(page, server_url, "toukei", PASSWORD)
    page.goto(f"{server_url}/reports/crosstab/?year=2017")
    page.get_by_label("行", exact=True).select_option(label="月")
    page.get_by_label("列", exact=True).select_option(label="時間外")
    page.get_by_role("button", name="集計する").click()

    table = page.locator("#crosstab")
    expect(table.locator("thead")).to_contain_text("月 ＼ 時間外")
    august = table.locator("tbody tr", has_text="8月")
    expect(august.locator("td")).to_have_text(["1", "1", "2"])
    expect(table.locator("tbody tr").last.locator("td").last).to_have_text("10")
    assert traffic.csp_violations() == []
