"""The audit log in a real browser: one line per event (fifty rows well under 2,000 px at 1280 px,
so a hundred stay under 4,000), columns never squeezed to one character at 768 px, no sideways
scrolling of the page at 390 px, and a row's detail opening on demand."""

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

TIMEOUT_MS = 10_000
ROWS = 50
# Pixels for the fifty rows of one page at 1280 px (the page's rows were 106 px each before).
FIFTY_ROWS_AT_MOST = 2_000
NARROWEST_COLUMN = 48


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


@pytest.fixture
def events(personas: dict[str, Any]) -> None:
    from audit.models import AuditEvent
    from audit.services import audit_record

    for number in range(ROWS):
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=personas["soudan"],
            object_type="people.person",
            object_id=number + 1,
            fields=["family_name", "given_name", "address", "birth_date", "phone_hours"],
        )


def table_box(page: Page) -> dict[str, Any]:
    box: dict[str, Any] = page.evaluate(
        """() => {
            const table = document.querySelector('table.audit-log');
            const cells = [...table.querySelectorAll('tbody tr:first-child td')];
            return {
                height: table.getBoundingClientRect().height,
                widths: cells.map(cell => cell.getBoundingClientRect().width),
                pageWidth: document.documentElement.scrollWidth,
            };
        }"""
    )
    return box


@pytest.mark.usefixtures("events")
def test_the_log_is_one_line_per_event_at_every_width(page: Page, server_url: str) -> None:
    log_in(page, server_url, "kansa", PASSWORD)
    page.goto(f"{server_url}/audit/?action=update")
    expect(page.locator("table.audit-log tbody tr")).to_have_count(ROWS)
    desktop = table_box(page)
    assert desktop["height"] < FIFTY_ROWS_AT_MOST, desktop["height"]

    page.set_viewport_size({"width": 768, "height": 900})
    tablet = table_box(page)
    assert min(tablet["widths"]) > NARROWEST_COLUMN, tablet["widths"]
    assert tablet["pageWidth"] <= 768

    page.set_viewport_size({"width": 390, "height": 800})
    assert table_box(page)["pageWidth"] <= 390


@pytest.mark.usefixtures("events")
def test_a_rows_detail_opens_on_demand(page: Page, server_url: str) -> None:
    log_in(page, server_url, "kansa", PASSWORD)
    page.goto(f"{server_url}/audit/?action=update")
    first = page.locator("table.audit-log tbody tr").first
    detail = first.locator("dl.audit-fields")
    expect(detail).to_be_hidden()
    first.locator("summary").click()
    expect(detail).to_be_visible()
    expect(detail).to_contain_text("電話可能な時間帯")
    expect(detail).to_contain_text("ハッシュの方式")
