"""参加支援 of the ministry deck pp.35 and 60, end to end in the Japanese UI.

The prefecture's ひきこもり地域支援センター visits a 社会福祉法人, carves out a task that suits a
person who is afraid of people and phones, and shares the host with every window of the
prefecture. A municipal window supports a mother (p.60: her daughter needed a shelter; the mother
needs work): the worker searches 参加先を探す from her case, finds the carved-out offer with the
reasons it fits, proposes it; a supporter accompanies the first visit; the placement continues.
Her 就労準備支援事業 use, started some ten and a half months ago, is warned on the home page and
extended with the reason of the exception and the worker who approved it; the window's figures
and their CSV export count the placement.

The staff exist at the start; the mother's case, her assessment, the supporter's dispatch and the
enrolment are entered through the services (their pages have browser tests of their own); the
host, the visit, the offer, the sharing, the search, the proposal, the stages and the extension
go through the pages.
"""

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in, submitted
from tsunagu.templatetags.japanese_dates import wareki

HOST = "社会福祉法人 さくら福祉会 特別養護老人ホーム さくらの丘"
OFFER = "リネンたたみ（裏の作業室で）"
CASE_TITLE = "山田 良子さんの支援"
READINESS_STARTED_DAYS_AGO = 320  # about ten and a half months: the limit is some 45 days away
TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


@pytest.fixture
def mother_case(personas: dict[str, Any]) -> Any:
    """p.60's mother at つなぐ市's window: she goes out to the neighbourhood, is at the stage of
    trying social participation, and started 就労準備支援 (run by the city's 自立相談支援センター)
    ten and a half months ago."""
    from cases.models import Assessment, GuidelineStage, OutingLevel
    from cases.tests.helpers import make_person, open_case
    from participation.readiness import enrolment_create

    soudan = personas["soudan"]
    mother = make_person(soudan.organisation, "山田", "良子", family_name_kana="ヤマダ")
    case = open_case(soudan, mother, title=CASE_TITLE)
    Assessment.objects.create(
        case=case,
        number=1,
        created_by=soudan,
        outing_level=OutingLevel.NEIGHBOURHOOD,
        guideline_stage=GuidelineStage.PARTICIPATION,
    )
    enrolment_create(
        case=case,
        data={
            "provider": personas["jiritsu"].organisation,
            "started_on": timezone.localdate() - timedelta(days=READINESS_STARTED_DAYS_AGO),
            "components": ["daily_life", "social"],
        },
        by=soudan,
    )
    return case


@pytest.fixture
def accompanying_dispatch(personas: dict[str, Any], mother_case: Any) -> Any:
    """The peer supporter who will accompany the mother's first visit, dispatched today."""
    from supporters.tests.helpers import dispatch, register

    soudan = personas["soudan"]
    supporter = register(soudan, "支援 ゆう")
    return dispatch(
        soudan,
        supporter,
        mother_case,
        days=0,
        kind="accompany",
        meeting_point="さくらの丘 正面玄関",
        display_name="よしこさん",
    )


def _messages(page: Page) -> Locator:
    return page.locator(".messages")


def _badge(page: Page) -> Locator:
    return page.locator("dl.summary dt", has_text=re.compile("^段階$")).locator("+ dd")


def _switch_to(page: Page, server_url: str, username: str, display_name: str) -> None:
    """Sign in as another worker in the same browser. Leave the page first: a request still
    under way (the menu's counts) would otherwise set the previous worker's session again."""
    page.goto("about:blank")
    page.context.clear_cookies()
    log_in(page, server_url, username, PASSWORD)
    page.goto(f"{server_url}/")
    expect(page.locator("main")).to_contain_text(f"{display_name} さん、おつかれさまです。")


# --- p.35: the prefecture develops and shares a host ----------------------------------------------


def _develop_host(page: Page, server_url: str) -> int:
    page.goto(f"{server_url}/hosts/new/")
    page.locator("#id_name").fill(HOST)
    page.locator("#id_kind").select_option(label="社会福祉法人")
    page.locator("#id_status").select_option(label="開拓中")
    page.locator("#id_address").fill("つなぐ市 桜町1-2-3")
    page.locator("#id_nearest_station").fill("つなぐ駅")
    page.locator("#id_contact_name").fill("施設長 桜井")
    page.locator("#id_needs_and_worries").fill(
        "リネンの整理に人手が足りない。初めての人への接し方が心配。"
    )
    submitted(page, "登録する")
    expect(_messages(page)).to_contain_text(f"{HOST}を受入先に登録しました。")
    host_pk = int(re.search(r"/hosts/(\d+)/", page.url).group(1))  # type: ignore[union-attr]

    page.get_by_role("link", name="開拓の訪問を記録").click()
    page.locator("#id_visited_on").fill(timezone.localdate().isoformat())
    page.locator("#id_notes").fill(
        "施設長と面談。裏の作業室でのリネンたたみなら、利用者さんや電話の対応なしで切り出せる。"
    )
    page.locator("#id_next_step").fill("受入メニューを登録して県内に共有する")
    submitted(page, "記録する")
    expect(_messages(page)).to_contain_text("開拓の訪問を記録しました。")
    visits = page.locator("#host-visits").locator("xpath=following::table[1]")
    expect(visits).to_contain_text("専門 慎一")
    expect(visits).to_contain_text("裏の作業室でのリネンたたみなら")

    page.get_by_role("link", name="受入メニューを追加").click()
    page.locator("#id_kind").select_option(label="就労体験")
    page.locator("#id_title").fill(OFFER)
    page.locator("#id_tasks").fill(
        "洗濯の済んだタオルとシーツをたたみ、棚に戻す。一人で、静かな作業室で。"
    )
    page.locator("#id_places").fill("2")
    page.locator("#id_days_and_hours").fill("火・木 10:00〜11:00")
    page.get_by_label("火", exact=True).check()
    page.get_by_label("木", exact=True).check()
    page.locator("#id_min_hours_per_week").fill("1")
    page.locator("#id_minutes_first_time").fill("60")
    for condition in (
        "電話の仕事がない",
        "静かな部屋がある",
        "一人でできる作業",
        "接客がない",
        "1時間から始められる",
        "支援者の同行ができる",
        "保険に加入している",
    ):
        page.get_by_label(condition, exact=True).check()
    submitted(page, "追加する")
    expect(_messages(page)).to_contain_text(f"受入メニュー「{OFFER}」を登録しました。")

    page.goto(f"{server_url}/hosts/{host_pk}/edit/")
    page.locator("#id_status").select_option(label="受入可")
    page.get_by_label("県内の窓口と共有する").check()
    submitted(page, "保存する")
    expect(_messages(page)).to_contain_text("受入先の記録を更新しました。")
    expect(page.locator("header.record-header")).to_contain_text("（県内の窓口と共有）")
    return host_pk


# --- p.60: the municipal window places the mother -------------------------------------------------


def _find_and_propose(page: Page, server_url: str, case_pk: int) -> int:
    page.goto(f"{server_url}/cases/{case_pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(CASE_TITLE)
    page.get_by_role("link", name="参加先を探す").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("参加先を探す")
    expect(page.locator(".match-basis")).to_contain_text(
        "外出の状況（近所のコンビニなどには出かける）から"
    )
    found = page.locator(".match-item", has_text=OFFER)
    expect(found).to_contain_text(HOST)
    reasons = found.locator(".match-reasons")
    expect(reasons).to_contain_text("希望する種類（就労体験）")
    expect(reasons).to_contain_text("支援者の同行ができる")
    expect(reasons).to_contain_text("静かな部屋がある")
    expect(reasons).to_contain_text("空きが2人分ある")

    found.get_by_role("link", name="このメニューで参加を提案する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("参加を提案する")
    expect(page.get_by_label(re.compile(OFFER))).to_be_checked()
    submitted(page, "提案として記録する")
    expect(_badge(page)).to_contain_text("提案")
    return int(re.search(r"/placements/(\d+)/", page.url).group(1))  # type: ignore[union-attr]


def _move(page: Page, stage: str, *, dispatch_label: str = "") -> None:
    page.locator("#id_stage").select_option(label=stage)
    page.locator("#id_on").fill(timezone.localdate().isoformat())
    if dispatch_label:
        page.locator("#id_dispatch").select_option(label=dispatch_label)
    submitted(page, "段階を進める")
    expect(_badge(page)).to_contain_text(stage)


def _extend_readiness(page: Page, server_url: str, enrolment: Any) -> None:
    page.goto(f"{server_url}/")
    warning = page.locator("#today-work_readiness")
    expect(warning).to_contain_text("就労準備支援の1年の期限が近い（1件）")
    expect(warning).to_contain_text(f"1年の期限 {wareki(enrolment.ends_on)}")
    warning.get_by_role("link", name=CASE_TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("就労準備支援事業の利用")

    extended_until = enrolment.ends_on + timedelta(days=182)
    page.locator("#id_extended_until").fill(extended_until.isoformat())
    page.locator("#id_extension_reason").fill(
        "長く家から出られなかった時期があり、週2回の通所が安定するまで半年の延長が必要。"
    )
    approver = page.locator("#id_extension_approved_by option", has_text="同僚 一郎")
    page.locator("#id_extension_approved_by").select_option(approver.get_attribute("value"))
    submitted(page, "延長を記録する")
    summary = page.locator("dl.summary")
    expect(summary).to_contain_text(f"延長後の期限{wareki(extended_until)}")
    expect(summary).to_contain_text("半年の延長が必要")
    expect(summary).to_contain_text("同僚 一郎")

    page.goto(f"{server_url}/")
    expect(page.locator("#today-work_readiness")).to_have_count(0)


def _figures_show_it(page: Page, server_url: str) -> None:
    """The window's statistics clerk sees the placement in this year's 参加支援 figures and in
    their CSV export."""
    from tsunagu.dates import fiscal_year, fiscal_year_label

    _switch_to(page, server_url, "toukei", "統計 次郎")
    page.goto(f"{server_url}/reports/participation/")
    this_year = fiscal_year_label(fiscal_year(timezone.localdate()))
    row = page.locator("#participation-placements tbody tr", has_text=this_year)
    # 提案, 参加を始めた, 年度末に継続中, 終了: one proposed, started and continuing, none ended.
    expect(row.locator("td")).to_have_text(["1", "1", "1", "0", "0", "0", "0", "0", "0"])
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV（UTF-8）").click()
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "参加（年度別・終了の理由別）" in exported
    assert f"{this_year},1,1,1,0" in exported


def test_the_prefecture_develops_a_host_and_a_window_places_the_mother(
    page: Page, server_url: str, mother_case: Any, accompanying_dispatch: Any
) -> None:
    from participation.models import WorkReadinessEnrolment

    log_in(page, server_url, "centre", PASSWORD)
    host_pk = _develop_host(page, server_url)

    _switch_to(page, server_url, "soudan", "相談 花子")
    placement_pk = _find_and_propose(page, server_url, mother_case.pk)
    # The first visit, accompanied by the supporter's dispatch of the case.
    dispatch_day = wareki(timezone.localtime(accompanying_dispatch.starts_at).date())
    _move(page, "初回（同行）", dispatch_label=f"{dispatch_day} 支援 ゆう（予定）")
    expect(
        page.locator("dl.summary dt", has_text="初回の同行（派遣）").locator("+ dd")
    ).to_contain_text("支援 ゆう")
    _move(page, "継続")
    expect(page.locator("dl.summary")).to_contain_text(
        f"参加を始めた日{wareki(timezone.localdate())}"
    )

    # The placement shows on the case, the person hub and the host page.
    page.goto(f"{server_url}/cases/{mother_case.pk}/")
    expect(page.locator("#participation").locator("xpath=following::table[1]")).to_contain_text(
        f"{HOST}: {OFFER}"
    )
    page.goto(f"{server_url}/persons/{mother_case.person_id}/")
    expect(page.locator("#hub-placements").locator("xpath=following::ul[1]")).to_contain_text(
        f"{HOST}: {OFFER}（継続、"
    )
    page.goto(f"{server_url}/hosts/{host_pk}/")
    placements = page.locator("section[aria-labelledby=host-placements]")
    expect(placements).to_contain_text("継続 1件")
    expect(placements.get_by_role("link", name=f"ケース番号 {mother_case.pk}")).to_have_attribute(
        "href", f"/placements/{placement_pk}/"
    )

    _extend_readiness(page, server_url, WorkReadinessEnrolment.objects.get(case=mother_case))

    # The prefecture's worker sees that its host took someone in, and nothing of who.
    _switch_to(page, server_url, "centre", "専門 慎一")
    page.goto(f"{server_url}/hosts/{host_pk}/")
    placements = page.locator("section[aria-labelledby=host-placements]")
    expect(placements).to_contain_text("継続 1件")
    expect(placements).to_contain_text("ほかの機関のケースの参加: 1件（件数だけを表示します）")
    expect(placements).not_to_contain_text("ケース番号")
    expect(page.locator("main")).not_to_contain_text("山田")

    _figures_show_it(page, server_url)
