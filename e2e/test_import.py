"""Importing a small CSV through the browser: choose the file, see the preview, confirm."""

from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD, Traffic
from e2e.test_login import log_in

CSV = (
    "相談日,相談方法,相談者,本人ID,氏名,フリガナ,対応,相談内容\r\n"
    "令和6年5月1日,電話,母,A1,山田 健太,ヤマダ ケンタ,継続支援,ひきこもり\r\n"
    "2024/5/20,来庁,本人,A1,山田 健太,,情報提供のみ,就労\r\n"
    "2024-06-03,TEL,近所の人,,,,情報提供のみ,DV\r\n"
)


def test_upload_preview_and_confirm(
    page: Page, server_url: str, traffic: Traffic, tmp_path: Path, personas: dict[str, Any]
) -> None:
    from consultations.models import Consultation

    path = tmp_path / "相談記録.csv"
    path.write_bytes(CSV.encode("cp932"))
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/consultations/import/")
    expect(page.get_by_role("heading", level=1)).to_have_text("相談記録の取込（Excel・CSV）")
    page.get_by_label("取り込むファイル（.xlsx または .csv）").set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "取込の内容を確認してください（相談記録.csv）"
    )
    expect(page.locator(".summary")).to_contain_text("3件（3行）")
    expect(page.locator(".summary")).to_contain_text("2人（うち氏名不明 1人）")
    expect(page.locator(".import-counts")).to_contain_text("電話")
    assert Consultation.objects.count() == 0

    page.get_by_role("button", name="取り込む").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("取り込みました（相談記録.csv）")
    expect(page.locator(".messages")).to_contain_text("取り込みました。")
    assert Consultation.objects.count() == 3
    assert traffic.foreign_urls() == []
    assert traffic.csp_violations() == []


def test_a_bad_row_is_shown_with_its_line(
    page: Page, server_url: str, tmp_path: Path, personas: dict[str, Any]
) -> None:
    path = tmp_path / "誤り.csv"
    path.write_bytes("相談日,相談方法,対応\r\n令和0年5月1日,来館,情報提供のみ\r\n".encode())
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/consultations/import/")
    page.get_by_label("取り込むファイル（.xlsx または .csv）").set_input_files(str(path))
    page.get_by_role("button", name="内容を確認する").click()
    errors = page.locator(".import-errors")
    expect(errors).to_contain_text("2行目")
    expect(errors).to_contain_text("0年という年はありません")
    expect(errors).to_contain_text("もしかして「来所」ですか。")
