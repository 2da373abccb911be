"""An office goes live without a shell (issue 14): from an empty database, `setup_installation`
and then only the pages take the office to two organisations, a contract, five staff imported
from a CSV, the second factor enrolled, a case whose team gains an outreach worker, and a worker
deactivated after the hand-over."""

import re
from base64 import b32decode
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import Browser, Page, expect

TIMEOUT_MS = 15_000
ADMIN_PASSWORD = "chiyoda no madoguchi 2026"
WORKER_PASSWORD = "kanda gawa no hotori 77"
STAFF_CSV = (
    "ユーザー名,氏名,役割\r\n"
    "tanaka,田中 一,相談支援員\r\n"
    "suzuki,鈴木 二,アウトリーチ支援員\r\n"
    "sato,佐藤 三,相談支援員\r\n"
    "ito,伊藤 四,統計担当\r\n"
    "kato,加藤 五,管理者\r\n"
).encode("cp932")


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def one_time_link(text: str) -> str:
    match = re.search(r"https?://\S+/password/set/\S+/", text) or re.search(
        r"https?://\S+/invitations?/\S+/", text
    )
    assert match, text
    return match.group(0)


def set_password(page: Page, link: str, password: str) -> None:
    page.goto(link)
    # The first administrator's link (Django's set-password form) or a staff invitation.
    fields = page.locator("input[type=password]")
    fields.nth(0).fill(password)
    fields.nth(1).fill(password)
    page.get_by_role("button", name=re.compile("設定する")).click()


def sign_in_and_enrol(page: Page, base: str, username: str, password: str) -> None:
    """The first sign-in of a worker who sees personal data: password, then the app's
    enrolment (the key typed by hand, as the page offers), then the recovery codes."""
    page.goto(f"{base}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("認証アプリの登録")
    letters = page.locator("code.totp-key").inner_text().replace(" ", "")
    key = b32decode(letters + "=" * (-len(letters) % 8))
    page.get_by_label("確認コード").fill(str(TOTP(key).token()).zfill(6))
    page.get_by_role("button", name="登録する").click()
    expect(page.locator("ol.codes li")).to_have_count(10)
    page.get_by_role("link", name="保管しました。続ける").click()


def test_an_office_goes_live_with_the_pages_alone(
    page: Page, browser: Browser, live_server: Any, transactional_db: None
) -> None:
    base = str(live_server.url)
    out = StringIO()
    call_command(
        "setup_installation",
        "--no-input",
        f"--site-url={base}",
        "--kind=municipality",
        "--code=131016",
        "--name=千代田区",
        "--prefecture-code=130001",
        "--prefecture-name=東京都",
        "--organisation-name=千代田区 ひきこもり相談窓口",
        "--organisation-type=municipal_window",
        "--operator=千代田区（直営）",
        "--named-window",
        "--admin-username=kanri",
        "--admin-display-name=管理 一郎",
        stdout=out,
    )
    # The first administrator sets a password on the one-time link and enrols the app.
    set_password(page, one_time_link(out.getvalue()), ADMIN_PASSWORD)
    sign_in_and_enrol(page, base, "kanri", ADMIN_PASSWORD)

    # A second organisation and the contract that commissions it.
    page.goto(f"{base}/administration/organisations/new/")
    page.get_by_label("機関名").fill("NPO法人 かんだ")
    page.get_by_label("種別").select_option(label="民間支援団体（当事者団体・NPO法人等）")
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("NPO法人 かんだ を登録しました。")).to_be_visible()
    page.goto(f"{base}/administration/contracts/new/")
    page.get_by_label("委託先（必須）", exact=True).select_option(label="NPO法人 かんだ")
    page.get_by_label("委託事業").fill("アウトリーチ事業")
    page.get_by_label("契約開始日").fill("R8.4.1")
    page.get_by_label("アウトリーチ（訪問支援）").check()
    page.get_by_role("button", name="登録する").click()
    expect(page.get_by_text("を登録しました。")).to_be_visible()

    # Five staff from a CSV written in Excel (CP932).
    page.goto(f"{base}/staff/import/")
    page.get_by_label("ファイル（CSV または Excel の .xlsx）").set_input_files(
        {"name": "staff.csv", "mimeType": "text/csv", "buffer": STAFF_CSV}
    )
    page.get_by_role("button", name="内容を確認する").click()
    page.get_by_role("button", name="5 人を追加する").click()
    expect(page.get_by_text("5 人のアカウントを作りました。")).to_be_visible()
    invitations = {}
    for name in ("田中 一", "佐藤 三"):
        page.goto(f"{base}/staff/")
        page.get_by_role("link", name=name).click()
        page.get_by_role("button", name="招待リンクを発行する").click()
        invitations[name] = page.get_by_label("招待リンク").input_value()

    # 田中 signs in, records a mother's call: a case opens; the outreach worker joins its team.
    worker = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo").new_page()
    worker.set_default_timeout(TIMEOUT_MS)
    set_password(worker, invitations["田中 一"], WORKER_PASSWORD)
    sign_in_and_enrol(worker, base, "tanaka", WORKER_PASSWORD)
    worker.goto(f"{base}/consultations/new/")
    worker.get_by_label("相談方法").select_option(label="電話")
    worker.get_by_role("radio", name="家族", exact=True).check()
    worker.get_by_label("続柄").select_option(label="母")
    worker.get_by_role("radio", name="氏名はわからない（仮名で登録する）").check()
    worker.get_by_label("仮名・呼び名").fill("長男さん")
    worker.get_by_label("主な相談内容").select_option(label="ひきこもり・不登校")
    worker.get_by_label("相談の内容", exact=True).fill("40代の息子が長く家から出ていない。")
    worker.get_by_role("radio", name="自機関で継続支援").check()
    worker.get_by_role("button", name="相談を記録する").click()
    expect(worker.get_by_text("相談を記録しました。")).to_be_visible()
    worker.get_by_role("link", name="チームと主担当を変える").click()
    worker.get_by_label("職員（必須）").select_option(
        label="鈴木 二（千代田区 ひきこもり相談窓口）"
    )
    worker.get_by_label("加える理由（必須）").fill("訪問に同行するため")
    worker.get_by_role("button", name="加える").click()
    expect(worker.get_by_text("鈴木 二 さんを担当チームに加えました。")).to_be_visible()
    expect(worker.locator("ol.history")).to_contain_text("チームに追加: 鈴木 二")

    # 田中 leaves: deactivation waits for the hand-over of the case, then goes through.
    page.goto(f"{base}/staff/")
    page.get_by_role("link", name="田中 一").click()
    page.get_by_role("button", name="利用を停止する").click()
    expect(page.get_by_text("まだ引き継いでいない仕事があります").first).to_be_visible()
    page.get_by_role("link", name="引き継ぎのページへ").click()
    page.get_by_label("引き継ぐ相手", exact=True).first.select_option(label="佐藤 三")
    page.get_by_label("理由", exact=True).first.select_option(label="退職")
    page.get_by_role("button", name="すべてを引き継ぐ").click()
    expect(page.get_by_text("佐藤 三 さんに引き継ぎました")).to_be_visible()
    page.get_by_role("link", name="職員のページ").click()
    page.get_by_role("button", name="利用を停止する").click()
    expect(page.get_by_text("田中 一 さんの利用を停止しました。")).to_be_visible()
