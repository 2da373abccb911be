"""Staff in a real browser: five staff imported from a CSV, one invited who sets a password and
signs in, and a worker deactivated only after the hand-over of her case."""

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

TIMEOUT_MS = 10_000
STAFF_CSV = (
    "ユーザー名,氏名,役割\r\n"
    "tanaka,田中 一,相談支援員\r\n"
    "suzuki,鈴木 二,アウトリーチ支援員\r\n"
    "sato,佐藤 三,多機関協働コーディネーター\r\n"
    "ito,伊藤 四,統計担当\r\n"
    "kato,加藤 五,相談支援員・管理者\r\n"
).encode("cp932")
NEW_PASSWORD = "asahi no ataru madobe 7"


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def test_five_staff_from_a_csv_one_invited_signs_in(
    page: Page, browser: Browser, server_url: str, personas: dict[str, Any], traffic: Any
) -> None:
    log_in(page, server_url, "admin", PASSWORD)
    page.goto(f"{server_url}/staff/import/")
    page.get_by_label("ファイル（CSV または Excel の .xlsx）").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": STAFF_CSV}
    )
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_text("Shift_JIS（CP932） として読みました")).to_be_visible()
    page.get_by_role("button", name="5 人を追加する").click()
    expect(page.get_by_text("5 人のアカウントを作りました。")).to_be_visible()

    page.get_by_role("link", name="田中 一").click()
    page.get_by_role("button", name="招待リンクを発行する").click()
    link = page.get_by_label("招待リンク").input_value()

    newcomer = browser.new_context(locale="ja-JP").new_page()
    newcomer.goto(link)
    newcomer.get_by_label("新しいパスワード", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("新しいパスワード（確認）").fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="設定する").click()
    expect(newcomer.get_by_text("パスワードを設定しました。")).to_be_visible()
    log_in(newcomer, server_url, "tanaka", NEW_PASSWORD)
    # A consultation worker sees personal data: the first sign-in goes on to enrol the app.
    expect(newcomer).to_have_url(f"{server_url}/login/enrol/?next=/")
    newcomer.goto(link)
    expect(newcomer.get_by_text("この招待リンクは使えません")).to_be_visible()
    assert traffic.foreign_urls() == []
    assert traffic.csp_violations() == []


def test_a_worker_is_deactivated_after_the_hand_over(
    page: Page, server_url: str, personas: dict[str, Any], traffic: Any
) -> None:
    from cases.tests.helpers import open_case

    soudan = personas["soudan"]
    open_case(soudan, title="引き継ぐケース")
    log_in(page, server_url, "admin", PASSWORD)
    page.goto(f"{server_url}/staff/{soudan.pk}/")
    page.get_by_role("button", name="利用を停止する").click()
    expect(page.get_by_text("まだ引き継いでいない仕事があります").first).to_be_visible()
    page.get_by_role("link", name="引き継ぎのページへ").click()
    expect(page.get_by_text("主担当のケース（1件）")).to_be_visible()
    page.get_by_label("引き継ぐ相手", exact=True).first.select_option(label="同僚 一郎")
    page.get_by_label("理由", exact=True).first.select_option(label="退職")
    page.get_by_role("button", name="すべてを引き継ぐ").click()
    expect(page.get_by_text("同僚 一郎 さんに引き継ぎました")).to_be_visible()
    page.get_by_role("link", name="職員のページ").click()
    page.get_by_role("button", name="利用を停止する").click()
    expect(page.get_by_text("相談 花子 さんの利用を停止しました。")).to_be_visible()
    assert traffic.csp_violations() == []
