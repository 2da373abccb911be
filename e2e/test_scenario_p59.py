"""The story of the ministry deck p.59, end to end in the Japanese UI.

A care manager of the 地域包括支援センター calls about a client's son who has been withdrawn for
years. The office opens a case for the household of father and son, leaves letters for months
without meeting the son, and keeps him on the watch list. The father is hospitalised; the son
phones for the first time and gives his name. An assessment and a plan with 就労準備支援 follow,
and the father is referred to the hospital's medical social worker until he is connected.

Only the staff and the agency directory exist at the start; every person, the household, the case
and its records are created through the pages, as a worker would.
"""

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Locator, Page, expect

from e2e.conftest import PASSWORD, fill_date_time
from e2e.test_login import log_in
from tsunagu.templatetags.japanese_dates import wareki

HOUKATSU = "つなぐ市中央地域包括支援センター"
HOSPITAL_MSW = "つなぐ総合病院 医療相談室"
SON_ALIAS = "高橋さんの長男"
CASE_TITLE = f"{SON_ALIAS}さんの支援"
# The automatic title follows the son's name once the worker enters it.
NAMED_CASE_TITLE = "高橋 勇気さんの支援"
HOUSEHOLD = "高橋さん世帯"
FIRST_CALL_DAYS_AGO = 120
LETTER_WEEKS_AGO = (16, 12, 8, 4)
TIMEOUT_MS = 10_000


@pytest.fixture
def world(transactional_db: None) -> Any:
    from accounts.demo import build_world

    return build_world(password=PASSWORD, demo=False)


@pytest.fixture
def personas(world: Any) -> dict[str, Any]:
    """Overrides conftest's personas so that the staff and the agencies share one world."""
    return world.staff


@pytest.fixture
def agencies(world: Any) -> dict[str, Any]:
    from collaboration.demo import build_agencies

    return build_agencies(world)


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    """A missing element fails in seconds, not after Playwright's default 30 s."""
    page.set_default_timeout(TIMEOUT_MS)


# --- helpers -------------------------------------------------------------------------------------


def _h1(page: Page) -> Locator:
    return page.get_by_role("heading", level=1)


def _messages(page: Page) -> Locator:
    return page.locator(".messages")


def _summary(page: Page, term: str) -> Locator:
    """The <dd> of a <dl class="summary"> row."""
    return page.locator("dl.summary dt", has_text=re.compile(f"^{term}$")).locator("+ dd")


def _section_table(page: Page, heading: str) -> Locator:
    """The first table after an <h2> whose text starts with `heading` (it may sit in the
    scrolling region of a narrow screen, `.table-scroll`)."""
    return page.get_by_role("heading", level=2, name=re.compile(f"^{heading}")).locator(
        "xpath=following::table[1]"
    )


def _days_ago(days: int, at: time) -> datetime:
    return datetime.combine(timezone.localdate() - timedelta(days=days), at)


def _record_activity(
    page: Page,
    server_url: str,
    case_pk: int,
    *,
    at: datetime,
    kind: str,
    content: str,
    met_person: bool = False,
    next_action: str = "",
) -> None:
    page.goto(f"{server_url}/cases/{case_pk}/activities/new/")
    expect(_h1(page)).to_have_text("支援経過の記録")
    fill_date_time(page, "日時", at)
    page.get_by_label(re.compile("^種類")).select_option(label=kind)
    if met_person:
        page.get_by_label("本人と話せた・会えた").check()
    page.get_by_label(re.compile("^内容")).fill(content)
    if next_action:
        page.get_by_label("次にすること").fill(next_action)
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text("支援経過を記録しました。")
    expect(page).to_have_url(f"{server_url}/cases/{case_pk}/")


# --- the steps of the story ----------------------------------------------------------------------


def _register_father(page: Page, server_url: str) -> int:
    page.goto(f"{server_url}/persons/new/")
    expect(_h1(page)).to_have_text("本人・家族を新しく登録")
    page.get_by_label("姓", exact=True).fill("高橋")
    page.get_by_label("名", exact=True).fill("茂")
    page.get_by_label("セイ（自己申告の読み）").fill("タカハシ")
    page.get_by_label("メイ（自己申告の読み）").fill("シゲル")
    page.get_by_label("生年月日", exact=True).fill("昭和19年6月2日")
    page.get_by_label("性別").select_option(label="男性")
    page.get_by_role("button", name="保存").click()
    expect(_messages(page)).to_contain_text("高橋 茂 さんの記録を作成しました。")
    expect(_h1(page)).to_have_text("高橋 茂（タカハシ シゲル）")
    expect(_summary(page, "年齢")).to_contain_text("昭和19年6月2日生")
    match = re.search(r"/persons/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def _the_care_managers_call(page: Page, server_url: str, first_call: datetime) -> int:
    """a. 電話, 関係機関 (地域包括), the son unnamed → 自機関で継続支援 opens a case."""
    page.goto(f"{server_url}/consultations/new/")
    expect(_h1(page)).to_have_text("相談受付")
    fill_date_time(page, "受付日時", first_call)
    page.get_by_label("相談方法").select_option(label="電話")
    page.get_by_role("radio", name="関係機関", exact=True).check()
    agency = page.get_by_label("相談してきた機関")
    expect(agency).to_be_visible()  # shown only for 関係機関
    agency.select_option(label=f"{HOUKATSU}（地域包括支援センター）")
    page.get_by_label("相談者の氏名").fill("ケアマネジャー 包括 和子")
    page.get_by_role("radio", name="氏名はわからない（仮名で登録する）").check()
    page.get_by_label("仮名・呼び名").fill(SON_ALIAS)
    page.get_by_label("年齢（相談時）").fill("50")
    page.get_by_role("checkbox", name="ひきこもり・不登校", exact=True).check()
    page.get_by_role("checkbox", name="介護", exact=True).check()
    page.get_by_label("主な相談内容").select_option(label="ひきこもり・不登校")
    page.get_by_label("相談の内容", exact=True).fill(
        "担当している高橋 茂さん（82歳）の長男が、十年以上ひきこもっている様子。"
        "家族以外とは話さない。父の介護が難しくなってきており、今後が心配。"
    )
    page.get_by_role("radio", name="自機関で継続支援").check()
    page.get_by_role("button", name="相談を記録する").click()

    expect(_messages(page)).to_contain_text(
        f"相談を記録しました。ケース「{CASE_TITLE}」で継続支援します。"
    )
    expect(_h1(page)).to_have_text(CASE_TITLE)
    expect(_summary(page, "本人・世帯")).to_have_text(SON_ALIAS)
    expect(_summary(page, "段階")).to_have_text("受付")
    expect(_summary(page, "主担当")).to_have_text("相談 花子")
    expect(_summary(page, "本人に初めて会えた日")).to_have_text("まだ会えていません")
    expect(page.locator("ol.history")).to_contain_text("受付（相談 花子） ケース開始")
    match = re.search(r"/cases/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


def _build_household(page: Page, server_url: str) -> int:
    """b. 高橋さん世帯: the father as 世帯主 and key contact, the son as 子."""
    page.goto(f"{server_url}/households/new/")
    expect(_h1(page)).to_have_text("世帯を登録")
    page.get_by_label("世帯の呼び名").fill(HOUSEHOLD)
    page.get_by_role("button", name="保存").click()
    expect(_messages(page)).to_contain_text(f"{HOUSEHOLD} を作成しました。")
    expect(_h1(page)).to_have_text(HOUSEHOLD)
    expect(page.get_by_text("世帯員はまだいません。")).to_be_visible()
    match = re.search(r"/households/(\d+)/$", page.url)
    assert match, page.url

    for search, name, relationship, key_contact in (
        ("たかはし しげる", re.compile(r"^高橋 茂"), "世帯主", True),
        (SON_ALIAS, re.compile(f"^{SON_ALIAS}"), "子", False),
    ):
        page.get_by_label("本人・家族を探す").fill(search)
        page.locator("#member-choices").get_by_role("radio", name=name).check()
        page.get_by_label("続柄").select_option(label=relationship)
        page.get_by_label("同居").check()
        if key_contact:
            page.get_by_label("主な連絡先").check()
        page.get_by_role("button", name="加える").click()
        expect(_messages(page)).to_contain_text("さんを世帯員に加えました。")

    members = _section_table(page, "世帯員").locator("tbody tr")
    expect(members).to_have_count(2)
    expect(members.nth(0)).to_contain_text("高橋 茂（タカハシ シゲル） 主な連絡先")
    expect(members.nth(0)).to_contain_text("世帯主")
    expect(members.nth(0)).to_contain_text("同居")
    expect(members.nth(1)).to_contain_text(SON_ALIAS)
    expect(members.nth(1)).to_contain_text("子")
    expect(members.nth(1)).to_contain_text("推定")  # the age the care manager gave
    return int(match.group(1))


def _link_case_to_household(page: Page, server_url: str, case_pk: int) -> None:
    """On the case page, the case is set to support the household of father and son."""
    page.goto(f"{server_url}/cases/{case_pk}/")
    page.get_by_label("支援する世帯").select_option(label=HOUSEHOLD)
    page.get_by_role("button", name="世帯を設定").click()
    expect(_messages(page)).to_contain_text("ケースの世帯を設定しました。")


def _letters_for_months(page: Page, server_url: str, case_pk: int) -> None:
    """c. 訪問 健 leaves letters weeks apart; the son does not answer."""
    today = timezone.localdate()
    for weeks in LETTER_WEEKS_AGO:
        _record_activity(
            page,
            server_url,
            case_pk,
            at=datetime.combine(today - timedelta(weeks=weeks), time(11, 0)),
            kind="手紙・メモを置いた",
            content=f"玄関に手紙とチラシを置いた（{weeks}週前）。返事はまだない。",
            next_action="4週間後にまた手紙を置く",
        )
    rows = _section_table(page, "支援経過").locator("tbody tr")
    expect(rows).to_have_count(len(LETTER_WEEKS_AGO))
    # Newest first: 4, 8, 12, 16 weeks ago.
    for row, weeks in zip(rows.all(), sorted(LETTER_WEEKS_AGO), strict=True):
        expect(row).to_contain_text(wareki(today - timedelta(weeks=weeks)))
        expect(row).to_contain_text("手紙・メモを置いた")
        expect(row).to_contain_text("訪問 健")
    expect(page.locator("span.badge", has_text="本人と会えた")).to_have_count(0)
    expect(_summary(page, "本人に初めて会えた日")).to_have_text("まだ会えていません")
    expect(_summary(page, "連絡")).to_contain_text(
        f"最後の連絡 {wareki(today - timedelta(weeks=min(LETTER_WEEKS_AGO)))}"
    )


def _not_met_rows(page: Page, server_url: str) -> Locator:
    page.goto(f"{server_url}/watch/")
    expect(_h1(page)).to_have_text("見守りリスト")
    return _section_table(page, "まだ本人に会えていないケース").locator("tbody tr")


# --- the story -----------------------------------------------------------------------------------


def test_the_p59_story_from_the_care_managers_call_to_the_fathers_hospital_referral(
    page: Page,
    browser: Browser,
    browser_context_args: dict[str, Any],
    server_url: str,
    agencies: dict[str, Any],
) -> None:
    from people.models import Person

    today = timezone.localdate()
    first_call = _days_ago(FIRST_CALL_DAYS_AGO, time(10, 30))
    log_in(page, server_url, "soudan", PASSWORD)
    _register_father(page, server_url)

    # a. The care manager's call: a case opens for the unnamed son.
    case_pk = _the_care_managers_call(page, server_url, first_call)
    son = Person.objects.get(alias=SON_ALIAS)
    assert (son.family_name, son.given_name, son.estimated_age) == ("", "", 50)

    # b. The household of father and son, and the case is the household's.
    _build_household(page, server_url)
    _link_case_to_household(page, server_url, case_pk)
    subject = _summary(page, "本人・世帯")
    expect(subject).to_have_text(f"{SON_ALIAS} / {HOUSEHOLD}")
    expect(_summary(page, "開始日")).to_have_text(wareki(first_call.date()))
    subject.get_by_role("link", name=HOUSEHOLD).click()
    expect(_h1(page)).to_have_text(HOUSEHOLD)
    members = _section_table(page, "世帯員").locator("tbody tr")
    expect(members).to_have_count(2)
    expect(members.filter(has_text="高橋 茂")).to_contain_text("世帯主")
    expect(members.filter(has_text=SON_ALIAS)).to_contain_text("子")

    # c. Months of letters by the outreach worker; the watch list keeps the son in sight.
    outreach = browser.new_context(**browser_context_args)
    try:
        outreach.set_default_timeout(TIMEOUT_MS)
        houmon = outreach.new_page()
        log_in(houmon, server_url, "houmon", PASSWORD)
        _letters_for_months(houmon, server_url, case_pk)
    finally:
        outreach.close()
    not_met = _not_met_rows(page, server_url)
    expect(
        page.get_by_role("heading", level=2, name="まだ本人に会えていないケース（1件）")
    ).to_be_visible()
    expect(not_met).to_have_count(1)
    row = not_met.first
    expect(row.get_by_role("link", name=CASE_TITLE)).to_be_visible()
    expect(row).to_contain_text(f"{SON_ALIAS} / {HOUSEHOLD}")
    expect(row).to_contain_text("相談 花子")
    expect(row).to_contain_text(
        f"{FIRST_CALL_DAYS_AGO}日（最初の相談 {wareki(first_call.date())}）"
    )

    # d. The father is hospitalised; the son phones, and gives his name.
    row.get_by_role("link", name=CASE_TITLE).click()
    expect(_h1(page)).to_have_text(CASE_TITLE)
    _record_activity(
        page,
        server_url,
        case_pk,
        at=_days_ago(10, time(15, 0)),
        kind="関係機関との連絡",
        content="包括のケアマネジャーから連絡。父（高橋 茂さん）が肺炎でつなぐ総合病院に入院した。",
        next_action="長男の様子を確認する",
    )
    first_talk = _days_ago(7, time(20, 15))
    _record_activity(
        page,
        server_url,
        case_pk,
        at=first_talk,
        kind="電話",
        met_person=True,
        content="長男から初めて電話。父が入院して家のことがわからず不安とのこと。"
        "名前を教えてくれた（高橋 勇気さん）。来週また電話をもらう約束。",
        next_action="電話を待つ",
    )
    expect(_summary(page, "本人に初めて会えた日")).to_have_text(wareki(first_talk.date()))
    activities = _section_table(page, "支援経過").locator("tbody tr")
    expect(activities).to_have_count(len(LETTER_WEEKS_AGO) + 2)
    phone_row = activities.first  # the newest
    expect(phone_row).to_contain_text(f"{wareki(first_talk.date())} 20:15")
    expect(phone_row).to_contain_text("時間外")
    expect(phone_row).to_contain_text("電話")
    expect(phone_row.locator("span.badge", has_text="本人と会えた")).to_be_visible()
    liaison_row = activities.nth(1)
    expect(liaison_row).to_contain_text("関係機関との連絡")
    expect(liaison_row).to_contain_text("肺炎でつなぐ総合病院に入院した")

    _summary(page, "本人・世帯").get_by_role("link", name=SON_ALIAS).click()
    expect(_h1(page)).to_have_text(SON_ALIAS)
    page.get_by_role("link", name="編集").click()
    page.get_by_label("姓", exact=True).fill("高橋")
    page.get_by_label("名", exact=True).fill("勇気")
    expect(page.get_by_label("仮名・呼び名")).to_have_value(SON_ALIAS)
    page.get_by_role("button", name="保存").click()
    expect(_messages(page)).to_contain_text("保存しました。")
    expect(_h1(page)).to_have_text(f"高橋 勇気「{SON_ALIAS}」")
    son.refresh_from_db()
    assert (son.family_name, son.given_name, son.alias) == ("高橋", "勇気", SON_ALIAS)

    _not_met_rows(page, server_url)
    expect(
        page.get_by_role("heading", level=2, name="まだ本人に会えていないケース（0件）")
    ).to_be_visible()
    expect(page.get_by_role("main")).not_to_contain_text(SON_ALIAS)
    expect(page.get_by_role("main")).not_to_contain_text("高橋 勇気")

    # e. Assessment: the stage moves to アセスメント.
    page.goto(f"{server_url}/cases/{case_pk}/")
    expect(_summary(page, "本人・世帯")).to_have_text(f"高橋 勇気 / {HOUSEHOLD}")
    page.get_by_role("link", name="アセスメント（新しい版）").click()
    expect(_h1(page)).to_have_text("アセスメント（新しい版）")
    expect(page.get_by_label("実施日")).to_have_value(wareki(today))
    page.get_by_label("外出の状況").select_option(label="自室からは出るが、家からは出ない")
    page.get_by_label("いつから（年・西暦）").fill(str(today.year - 12))
    page.get_by_label("きっかけ").fill(
        "勤め先での人間関係から退職し、そのまま家にこもるようになった。"
    )
    page.get_by_label("介護", exact=True).select_option(label="課題あり")
    page.get_by_label("就労", exact=True).select_option(label="課題あり")
    page.get_by_label("孤立", exact=True).select_option(label="課題あり")
    page.get_by_label("強み・できていること").fill("父の食事の用意をしてきた。電話なら話せる。")
    page.get_by_label("本人の希望").fill(
        "父が退院するまでに家のことを自分でできるようになりたい。いつかは働きたい。"
    )
    page.get_by_label("家族の希望").fill("自分がいなくなっても息子が暮らしていけるように（父）。")
    page.get_by_label("支援の段階（ガイドライン）").select_option(label="個人的支援")
    page.get_by_role("button", name="新しい版として保存").click()
    expect(_messages(page)).to_contain_text("アセスメント第1版を保存しました。")
    expect(_summary(page, "段階")).to_have_text("アセスメント")
    expect(page.locator("ol.history")).to_contain_text("受付 → アセスメント（相談 花子）")
    expect(_summary(page, "外出の状況")).to_have_text("自室からは出るが、家からは出ない")
    expect(_summary(page, "いつから")).to_have_text(f"{today.year - 12}年ごろ（おおよそ）")
    expect(_summary(page, "本人の希望")).to_contain_text("いつかは働きたい。")
    expect(_summary(page, "家族の希望")).to_contain_text("息子が暮らしていけるように")
    domains = page.locator("table.domains")
    expect(domains.locator("thead th")).to_have_text(
        ["福祉", "介護", "保健医療", "住まい", "就労", "教育", "家計", "孤立", "家族関係"]
    )
    expect(domains.locator("tbody td")).to_have_text(
        ["—", "課題あり", "—", "—", "課題あり", "—", "—", "課題あり", "—"]
    )

    # f. Plan with 就労準備支援: プラン 第1版.
    work_readiness_from = today + timedelta(days=14)
    review_on = today + timedelta(days=90)
    page.get_by_role("link", name="プランを編集").click()
    expect(_h1(page)).to_have_text("支援プランの編集")
    expect(page.get_by_text("最初のプランです。")).to_be_visible()
    page.get_by_label("長期目標").fill(
        "父の退院後も、家の内外で自分らしく暮らし、働く準備を進める。"
    )
    page.get_by_label("短期目標").fill(
        "週1回、相談員と電話で話す。\n就労準備支援事業の説明会に参加する。"
    )
    actions = page.locator("fieldset", has=page.locator("legend", has_text="取り組み"))
    first_action = actions.locator("tbody tr").first
    first_action.locator("input").fill("週1回の電話連絡と、月1回の家庭訪問")
    first_action.locator("select").first.select_option(label="相談 花子")
    page.get_by_label("利用するサービス・資源").fill("つなぐ市 就労準備支援事業")
    page.get_by_label("就労準備支援事業を利用").check()
    page.get_by_label("就労準備支援の開始日").fill(work_readiness_from.isoformat())
    page.get_by_label("見直し日").fill(review_on.isoformat())
    page.get_by_role("button", name="新しい版として保存").click()
    expect(_messages(page)).to_contain_text("プラン第1版を保存しました。")
    expect(_summary(page, "段階")).to_have_text("プラン")
    expect(_summary(page, "版")).to_contain_text("第1版")
    expect(_summary(page, "長期目標")).to_contain_text("働く準備を進める。")
    expect(_summary(page, "短期目標")).to_contain_text("説明会に参加する。")
    expect(_summary(page, "就労準備支援事業")).to_have_text(
        f"利用（{wareki(work_readiness_from)}から）"
    )
    expect(_summary(page, "見直し日")).to_have_text(wareki(review_on))
    plan_actions = page.locator("table", has=page.locator("caption", has_text="取り組み"))
    expect(plan_actions.locator("tbody tr")).to_have_text(
        [re.compile(r"週1回の電話連絡と、月1回の家庭訪問\s*相談 花子")]
    )

    # g. The father to the hospital's medical social worker, until つながった.
    referral_pk = _refer_father(page, server_url, case_pk)
    page.goto(f"{server_url}/cases/{case_pk}/")
    referral_row = _section_table(page, "関係機関へのつなぎ").locator("tbody tr")
    expect(referral_row).to_have_count(1)
    expect(referral_row).to_contain_text(HOSPITAL_MSW)
    expect(referral_row).to_contain_text("高橋 茂")
    expect(referral_row).to_contain_text("打診中")
    referral_row.get_by_role("link", name=HOSPITAL_MSW).click()
    expect(_h1(page)).to_have_text(f"{HOSPITAL_MSW}へのつなぎ")
    expect(page).to_have_url(f"{server_url}/referrals/{referral_pk}/")
    expect(_summary(page, "つなぐ人")).to_have_text("高橋 茂")
    for state, note in (
        ("受入", "医療ソーシャルワーカーが受け入れ。退院前に面談の予定。"),
        ("初回面談済（つながった）", "病棟で父と初回面談。退院後の介護サービスを調整。"),
    ):
        page.get_by_label("新しい状態").select_option(label=state)
        page.get_by_label("メモ（不成立のときは理由）").fill(note)
        page.get_by_role("button", name="変更する").click()
        expect(_messages(page)).to_contain_text(f"状態を「{state}」にしました。")
        expect(_summary(page, "状態")).to_have_text(state)
    history = page.locator("ol.history li")
    expect(history).to_have_count(3)
    expect(history.nth(1)).to_contain_text(
        "受入（相談 花子・つなぐ市 ひきこもり相談窓口） 医療ソーシャルワーカーが受け入れ。"
    )
    expect(history.nth(2)).to_contain_text("初回面談済（つながった）（相談 花子・")

    page.get_by_role("link", name=f"← {NAMED_CASE_TITLE}").click()
    expect(_h1(page)).to_have_text(NAMED_CASE_TITLE)
    referral_row = _section_table(page, "関係機関へのつなぎ").locator("tbody tr")
    expect(referral_row).to_contain_text("初回面談済（つながった）")
    expect(referral_row.locator("td").nth(4)).to_have_text("—")  # nothing left to follow up


def _refer_father(page: Page, server_url: str, case_pk: int) -> int:
    """From the son's household case, the father is referred to the hospital's social worker."""
    page.goto(f"{server_url}/cases/{case_pk}/")
    page.get_by_role("link", name="関係機関へつなぐ").click()
    expect(_h1(page)).to_have_text("関係機関へつなぐ")
    page.get_by_label("つなぐ人").select_option(label="高橋 茂（世帯主）")
    page.get_by_label("つなぎ先").select_option(label=f"{HOSPITAL_MSW}（医療機関）")
    page.get_by_label("つなぐ目的").fill(
        "退院後の生活と介護サービスの調整（医療ソーシャルワーカー）"
    )
    follow_up = timezone.localdate() + timedelta(days=14)
    page.get_by_label(re.compile("^確認する日")).fill(follow_up.isoformat())
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text(f"{HOSPITAL_MSW}へのつなぎを記録しました。")
    match = re.search(r"/referrals/(\d+)/$", page.url)
    assert match, page.url
    return int(match.group(1))


# --- steps that once had no page, kept as their own checks ---------------------------------


def test_a_consultation_recorded_later_opens_its_case_on_the_day_of_the_call(
    page: Page, server_url: str, agencies: dict[str, Any]
) -> None:
    first_call = _days_ago(30, time(10, 0))
    log_in(page, server_url, "soudan", PASSWORD)
    case_pk = _the_care_managers_call(page, server_url, first_call)

    expect(_summary(page, "開始日")).to_have_text(wareki(first_call.date()), timeout=1000)
    page.goto(f"{server_url}/cases/{case_pk}/activities/new/")
    fill_date_time(page, "日時", _days_ago(14, time(11, 0)))
    page.get_by_label(re.compile("^種類")).select_option(label="手紙・メモを置いた")
    page.get_by_label(re.compile("^内容")).fill("玄関に手紙を置いた。")
    page.get_by_role("button", name="記録する").click()
    expect(_messages(page)).to_contain_text("支援経過を記録しました。", timeout=1000)


def test_a_household_member_of_the_case_can_be_referred_from_the_case(
    page: Page, server_url: str, agencies: dict[str, Any]
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    _register_father(page, server_url)
    case_pk = _the_care_managers_call(page, server_url, _days_ago(0, time(0, 0)))
    _build_household(page, server_url)
    _link_case_to_household(page, server_url, case_pk)

    page.goto(f"{server_url}/cases/{case_pk}/referrals/new/")
    expect(_h1(page)).to_have_text("関係機関へつなぐ")
    expect(page.get_by_label("つなぐ人")).to_contain_text("高橋 茂（世帯主）", timeout=1000)
