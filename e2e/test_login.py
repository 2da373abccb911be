"""Logging in through a real browser: Japanese pages, a strict CSP, nothing loaded from outside;
the second factor's prompt and the enrolment of an authenticator app."""

import re
import shutil
import subprocess
from base64 import b32decode
from pathlib import Path
from typing import Any

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD, Traffic
from tsunagu.test import app_code

WRONG_PASSWORD_MESSAGE = "ユーザー名またはパスワードが正しくありません。"
WRONG_CODE_MESSAGE = "確認コードが正しくないか、すでに使われたコードです。"


def log_in(page: Page, server_url: str, username: str, password: str) -> None:
    """The password, then — for staff with the second factor — the app's code at the prompt."""
    page.goto(f"{server_url}/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(password)
    submitted(page, "ログイン")
    if "/login/code/" in page.url:
        enter_code(page, username)


def enter_code(page: Page, username: str) -> None:
    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    page.get_by_label("確認コード").fill(app_code(device))
    submitted(page, "確認")


def submitted(page: Page, button: str) -> None:
    """Press the form's button and wait for the page that answers it — not for the page already
    shown: on a busy machine the click's navigation may not have started when the next line
    runs, and the test would go on signed out."""
    with page.expect_response(lambda response: response.request.method == "POST"):
        page.get_by_role("button", name=button).click()
    page.wait_for_load_state("load")


def type_code_by_keyboard(page: Page, username: str) -> None:
    """At the code prompt, whose field has focus on arrival: type the app's code, Enter."""
    field = page.get_by_label("確認コード")
    expect(field).to_be_focused()
    page.keyboard.type(app_code(TOTPDevice.objects.get(user__username=username, confirmed=True)))
    page.keyboard.press("Enter")


def test_the_login_page_is_in_japanese_and_carries_a_strict_csp(
    page: Page, server_url: str
) -> None:
    response = page.goto(f"{server_url}/login/")

    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    expect(page.get_by_label("ユーザー名")).to_be_visible()
    expect(page.get_by_label("パスワード")).to_be_visible()
    expect(page.get_by_role("button", name="ログイン")).to_be_visible()
    csp = response.headers.get("content-security-policy")
    assert csp, "the login page has no Content-Security-Policy header"
    assert "default-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp


def test_soudan_logs_in_and_sees_the_home_page_with_her_name(page: Page, server_url: str) -> None:
    log_in(page, server_url, "soudan", PASSWORD)

    expect(page).to_have_url(f"{server_url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")
    expect(page.get_by_text("相談 花子 さん、おつかれさまです。")).to_be_visible()
    expect(page.locator(".site-header .account")).to_contain_text("相談 花子")


def test_a_wrong_password_shows_the_japanese_error_and_stays_on_the_login_page(
    page: Page, server_url: str
) -> None:
    log_in(page, server_url, "soudan", "not the password")

    expect(page).to_have_url(re.compile(r"/login/$"))
    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD_MESSAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("ログイン")
    expect(page.get_by_role("heading", level=1, name="ホーム")).to_have_count(0)


def test_the_login_flow_requests_only_the_server_itself_and_violates_no_csp(
    page: Page, server_url: str, traffic: Traffic
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")

    paths = [url.removeprefix(traffic.origin) for url in traffic.urls]
    # The recording really saw the page, its stylesheet and script, the POST and the home page.
    assert "/login/" in paths
    assert "/static/css/tsunagu.css" in paths
    assert "/static/js/tsunagu.js" in paths
    assert "/" in paths
    assert traffic.foreign_urls() == [], f"requests to other hosts: {traffic.foreign_urls()}"
    assert traffic.csp_violations() == [], f"CSP violations: {traffic.csp_violations()}"


def test_the_home_page_renders_japanese_with_a_japanese_font(
    page: Page, server_url: str, output_dir: Path
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")
    page.screenshot(path=output_dir / "home.png", full_page=True)

    # Every glyph of the heading and the greeting must come from a font that covers Japanese;
    # otherwise the screenshot shows tofu boxes (□) instead of text.
    japanese_fonts = _japanese_font_families()
    for selector in ("h1", "main p"):
        used = _platform_fonts(page, selector)
        assert used, f"no font rendered {selector}"
        assert {font["familyName"] for font in used} <= japanese_fonts, (selector, used)


def _japanese_font_families() -> set[str]:
    fc_list = shutil.which("fc-list")
    assert fc_list, "fc-list (fontconfig) is missing"
    listing = subprocess.run(  # noqa: S603 (fixed arguments)
        [fc_list, ":lang=ja", "family"], check=True, capture_output=True, text=True
    ).stdout
    families = {name.strip() for line in listing.splitlines() for name in line.split(",")}
    assert families - {""}, "no Japanese font installed (apt-get install fonts-ipaexfont)"
    return families


def _platform_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium actually used for a node's text (DevTools CSS.getPlatformFontsForNode)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument")["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


def test_the_code_prompt_refuses_a_wrong_code_then_takes_the_apps_code(
    page: Page, server_url: str, traffic: Traffic
) -> None:
    page.goto(f"{server_url}/login/")
    page.get_by_label("ユーザー名").fill("soudan")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("確認コードの入力")
    page.get_by_label("確認コード").fill("000000")
    page.get_by_role("button", name="確認").click()
    expect(page.get_by_role("alert")).to_contain_text(WRONG_CODE_MESSAGE)
    page.goto(f"{server_url}/persons/")
    expect(page.get_by_role("heading", level=1)).to_have_text("確認コードの入力")

    page.wait_for_timeout(1100)  # the app's one-second wait after a wrong code
    enter_code(page, "soudan")
    expect(page).to_have_url(f"{server_url}/persons/")
    assert traffic.csp_violations() == [], f"CSP violations: {traffic.csp_violations()}"


def test_a_worker_without_an_app_enrols_one_and_keeps_the_recovery_codes(
    page: Page, server_url: str, traffic: Traffic, output_dir: Path
) -> None:
    TOTPDevice.objects.filter(user__username="douryou").delete()
    page.goto(f"{server_url}/login/")
    page.get_by_label("ユーザー名").fill("douryou")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("認証アプリの登録")
    expect(page.locator("figure.totp-qr svg")).to_be_visible()
    page.screenshot(path=output_dir / "totp-enrol.png", full_page=True)
    # The worker's app reads the key (here: typed by hand, as the page offers).
    letters = page.locator("code.totp-key").inner_text().replace(" ", "")
    key = b32decode(letters + "=" * (-len(letters) % 8))
    page.get_by_label("確認コード").fill(str(TOTP(key).token()).zfill(6))
    page.get_by_role("button", name="登録する").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("リカバリーコード")
    expect(page.locator("ol.codes li")).to_have_count(10)
    page.get_by_role("link", name="保管しました。続ける").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")
    assert traffic.foreign_urls() == [], f"requests to other hosts: {traffic.foreign_urls()}"
    assert traffic.csp_violations() == [], f"CSP violations: {traffic.csp_violations()}"
