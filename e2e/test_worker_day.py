"""The worker's day, end to end: the p.59 story as a mother tells it (issue 15).

A mother phones about her son in his 40s, withdrawn for years; her husband has dementia. The
window opens a case for the unnamed son, the case page shows what she said, the outreach worker's
letter sets a next step that the home shows, a visit is saved wrongly as 「家族のみ」 and then
corrected with a reason (the previous version kept), and the father is referred to the 地域包括,
which answers from its own home and inbox. Both workers' homes show what is due.

Only the staff and the agency directory exist at the start; everything else goes through pages.
"""

import re
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from e2e.conftest import PASSWORD, fill_date_time
from e2e.test_login import log_in
from e2e.test_scenario_p59 import (
    HOUKATSU,
    TIMEOUT_MS,
    _build_household,
    _days_ago,
    _h1,
    _link_case_to_household,
    _messages,
    _register_father,
    _section_table,
    _summary,
)
from tsunagu.templatetags.japanese_dates import wareki

SON_ALIAS = "高橋さんの長男"
CASE_TITLE = f"{SON_ALIAS}さんの支援"
MOTHER_SAID = (
    "40代の息子が十年近く部屋から出てこない。夫が認知症と診断され、二人の世話に疲れている。"
)


@pytest.fixture
def world(transactional_db: None) -> Any:
    from accounts.demo import build_world

    return build_world(password=PASSWORD, demo=False)


@pytest.fixture
def personas(world: Any) -> dict[str, Any]:
    return world.staff


@pytest.fixture
def agencies(world: Any) -> dict[str, Any]:
    from collaboration.demo import build_agencies

    return build_agencies(world)


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def _the_mothers_call(page: Page, server_url: str) -> int:
    page.goto(f"{server_url}/consultations/new/")
    fill_date_time(page, "受付日時", _days_ago(30, time(9, 40)))
    page.get_by_label("相談方法").select_option(label="電話")
    page.get_by_role("radio", name="家族", exact=True).check()
    page.get_by_label("相談者の続柄").select_option(label="母")
    page.get_by_label("相談者の氏名").fill("高橋 順子")
    page.get_by_role("radio", name="氏名はわからない（仮名で登録する）").check()
    page.get_by_label("仮名・呼び名").fill(SON_ALIAS)
    page.get_by_label("年齢（相談時）").fill("45")
    page.get_by_role("checkbox", name="ひきこもり・不登校", exact=True).check()
    page.get_by_role("checkbox", name="介護", exact=True).check()
    page.get_by_label("主な相談内容").select_option(label="ひきこもり・不登校")
    page.get_by_label("相談の内容", exact=True).fill(MOTHER_SAID)
    page.get_by_role("radio", name="自機関で継続支援").check()
    page.get_by_role("button", name="相談を記録する").click()
    expect(_h1(page)).to_have_text(CASE_TITLE)
    match = re.search(r"/cases/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def _activity_form(page: Page, server_url: str, case_pk: int, *, days_ago: int, kind: str) -> None:
    page.goto(f"{server_url}/cases/{case_pk}/activities/new/")
    fill_date_time(page, "日時", _days_ago(days_ago, time(14, 0)))
    page.get_by_label(re.compile("^種類")).select_option(label=kind)


def _in_a_second_browser(browser: Browser, args: dict[str, Any], server_url: str) -> Page:
    context = browser.new_context(**args)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    log_in(page, server_url, "houkatsu", PASSWORD)
    return page


def test_the_workers_day_from_the_mothers_call_to_the_answered_referral(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    server_url: str,
    agencies: dict[str, Any],
) -> None:
    today = timezone.localdate()
    log_in(page, server_url, "soudan", PASSWORD)
    _register_father(page, server_url)

    # The mother's call opens a case for the unnamed son; the case page shows what she said.
    case_pk = _the_mothers_call(page, server_url)
    said = page.locator("section", has=page.get_by_role("heading", name=re.compile("^相談の記録")))
    expect(said).to_contain_text("家族（母）")
    expect(said).to_contain_text("40代の息子が十年近く部屋から出てこない。")

    # The household of father and son; the case supports it (the father can then be referred).
    _build_household(page, server_url)
    _link_case_to_household(page, server_url, case_pk)

    # A letter at the door, with the next step a few days ahead: the home shows it.
    _activity_form(page, server_url, case_pk, days_ago=3, kind="手紙・メモを置いた")
    page.get_by_label(re.compile("^内容")).fill("玄関に手紙を置いた。母に渡してもらうよう頼んだ。")
    page.get_by_label("次にすること").fill("もう一度訪問する")
    page.get_by_label("次の予定日").fill((today + timedelta(days=2)).isoformat())
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text("支援経過を記録しました。")
    page.goto(f"{server_url}/")
    steps = page.locator("#today-next_steps")
    expect(steps).to_contain_text(CASE_TITLE)
    expect(steps).to_contain_text(wareki(today + timedelta(days=2)))
    expect(page.locator("#today-unmet")).to_contain_text(CASE_TITLE)

    # A visit saved as 「家族のみ」 with 「本人と会えた」 ticked is refused at the field.
    _activity_form(page, server_url, case_pk, days_ago=1, kind="訪問")
    page.get_by_label("訪問の結果").select_option(label="家族のみ")
    page.get_by_label("本人と話せた・会えた").check()
    page.get_by_label(re.compile("^内容")).fill("母と玄関で話した。")
    page.get_by_role("button", name="記録する").click()
    expect(page.locator(".errors")).to_be_visible()
    expect(page.get_by_label(re.compile("^内容"))).to_have_value("母と玄関で話した。")
    page.get_by_label("本人と話せた・会えた").uncheck()
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text("支援経過を記録しました。")
    expect(_summary(page, "本人に初めて会えた日")).to_have_text("まだ会えていません")

    # It was wrong: the son came to the door. The visit is corrected with a reason; the previous
    # version is kept and shown, and the son is met.
    visit = _section_table(page, "支援経過").locator("tbody tr", has_text="家族のみ")
    visit.get_by_role("link", name="訂正する").click()
    expect(_h1(page)).to_have_text("支援経過の訂正")
    page.get_by_label("訪問の結果").select_option(label="本人に会えた")
    page.get_by_label("本人と話せた・会えた").check()
    page.get_by_label(re.compile("^内容")).fill(
        "母と玄関で話していると、長男が顔を見せて会釈した。"
    )
    page.get_by_label("訂正の理由").fill("記録のときに選び間違えた。長男にも会えていた。")
    page.get_by_role("button", name="訂正を保存する").click()
    # The correction's history: who, when, why, and what the visit said before.
    kept = page.locator("section.previous-version")
    expect(kept).to_have_count(1)
    expect(kept).to_contain_text("記録のときに選び間違えた。")
    expect(kept).to_contain_text("家族のみ")
    expect(kept).to_contain_text("母と玄関で話した。")
    page.goto(f"{server_url}/cases/{case_pk}/")
    expect(_summary(page, "本人に初めて会えた日")).to_have_text(wareki(today - timedelta(days=1)))
    expect(page.get_by_role("link", name="訂正あり（訂正の履歴）")).to_be_visible()
    page.goto(f"{server_url}/")
    expect(page.locator("#today-unmet")).to_have_count(0)

    # The father (dementia) is referred to the 地域包括, which uses tsunagu.
    page.goto(f"{server_url}/cases/{case_pk}/referrals/new/")
    page.get_by_label("つなぐ人").select_option(label="高橋 茂（世帯主）")
    page.get_by_label("つなぎ先").select_option(label=f"{HOUKATSU}（地域包括支援センター）")
    page.get_by_label("つなぐ目的").fill("父の認知症の診断後の介護保険の申請と家族の負担の相談")
    page.get_by_label(re.compile("^確認する日")).fill((today + timedelta(days=7)).isoformat())
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text(f"{HOUKATSU}へのつなぎを記録しました。")
    match = re.search(r"/referrals/(\d+)/$", page.url)
    assert match, page.url
    referral_pk = int(match.group(1))
    page.goto(f"{server_url}/")
    expect(page.locator("#today-referrals_waiting")).to_contain_text(f"{HOUKATSU}への打診")

    # The 地域包括's worker: the referral is on her home and in her inbox, and she accepts it.
    houkatsu = _in_a_second_browser(browser, browser_context_args, server_url)
    try:
        incoming = houkatsu.locator("#today-referrals_incoming")
        expect(incoming).to_contain_text(f"つなぎ #{referral_pk}")
        expect(houkatsu.locator("#menu-count-home .count")).to_be_visible()
        houkatsu.goto(f"{server_url}/notifications/")
        expect(houkatsu.get_by_role("main")).to_contain_text(f"つなぎ #{referral_pk} が届きました")
        expect(houkatsu.get_by_role("main")).not_to_contain_text("高橋")
        houkatsu.get_by_role("button", name=re.compile("^開く")).first.click()
        expect(houkatsu).to_have_url(f"{server_url}/referrals/incoming/{referral_pk}/")
        expect(houkatsu.get_by_role("main")).to_contain_text("介護保険の申請")
        houkatsu.get_by_role("button", name="受け入れる").click()
        expect(_summary(houkatsu, "状態")).to_have_text("受入")
        houkatsu.goto(f"{server_url}/")
        expect(houkatsu.locator("#today-referrals_incoming")).to_contain_text("（受入）")
    finally:
        houkatsu.context.close()

    # Back at the window: the answer is in the inbox, and the referral's history shows it.
    page.goto(f"{server_url}/notifications/")
    expect(page.get_by_role("main")).to_contain_text(f"つなぎ #{referral_pk} に{HOUKATSU}から返事")
    page.goto(f"{server_url}/referrals/{referral_pk}/")
    expect(page.locator("ol.history")).to_contain_text("受入（包括 和子・")
