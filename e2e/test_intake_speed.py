"""A phone intake with the keyboard alone, timed: a worker on the phone must not need the mouse.

Only Tab, typing, Space, arrow keys and Enter are used on the form — no clicks, no `fill`, no
`select_option`. Every stop of the tab order is checked, so that a field the keyboard cannot reach
fails here with its name. The time from the form being shown to the saved page is printed
(`pytest -s` shows it) and must stay within a minute with human-speed typing.
"""

import re
import time
from typing import Any

from playwright.sync_api import Locator, Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import type_code_by_keyboard

TYPING_DELAY_MS = 60  # about 16 keys a second: a practised worker typing while listening
MAX_SECONDS = 60
ALIAS = "駅前のAさんの長男"
CONTENT = (
    "母から電話。長男（27歳）が大学を中退してから3年ほど、ほとんど家から出ない。"
    "昼夜逆転。家族とは話す。本人に知られずに相談したい。"
)


def _focused(page: Page) -> str:
    """What has the focus, for failure messages: tag, type, name, id, visible text."""
    return str(
        page.evaluate(
            """() => { const e = document.activeElement;
                return [e.tagName, e.type || '', e.name || '', e.id || '',
                        (e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText || '')
                        .trim().slice(0, 30)].join(' '); }"""
        )
    )


def _is_focused(target: Locator) -> bool:
    return bool(target.evaluate("element => element === document.activeElement"))


def _tab_to(page: Page, target: Locator, *, within: int) -> int:
    """Press Tab until `target` has the focus; fails when it takes more than `within` presses."""
    seen = []
    for presses in range(1, within + 1):
        page.keyboard.press("Tab")
        if _is_focused(target):
            return presses
        seen.append(_focused(page))
    raise AssertionError(
        f"{target} not reached with {within} Tab presses; the focus went to: {seen}"
    )


def _press(page: Page, key: str, times: int = 1) -> None:
    for _ in range(times):
        page.keyboard.press(key)


def _type(page: Page, text: str) -> None:
    page.keyboard.type(text, delay=TYPING_DELAY_MS)


def _log_in_by_keyboard(page: Page, server_url: str) -> None:
    page.goto(f"{server_url}/login/")
    expect(page.get_by_label("ユーザー名")).to_be_focused()
    page.keyboard.type("soudan")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    type_code_by_keyboard(page, "soudan")
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")


def test_a_phone_intake_with_the_keyboard_alone_is_saved_within_a_minute(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    from consultations.models import Consultation, ConsultationDraft

    page.set_default_timeout(10_000)
    _log_in_by_keyboard(page, server_url)
    page.goto(f"{server_url}/consultations/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("相談受付")
    received_at = page.get_by_label("受付日時の日付")
    expect(received_at).to_be_focused()  # autofocus: the call can be taken at once
    started = time.monotonic()
    tabs = 0

    # 受付: the date and time are now; 電話 is preselected.
    channel = page.get_by_label("相談方法")
    tabs += _tab_to(page, channel, within=8)  # past the parts of the date and time
    expect(channel).to_have_value("phone")

    # 相談者: 家族, 続柄 母 (shown once 家族 is chosen).
    tabs += _tab_to(page, page.get_by_role("radio", name="本人", exact=True), within=1)
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("radio", name="家族", exact=True)).to_be_checked()
    relationship = page.get_by_label("相談者の続柄")
    tabs += _tab_to(page, relationship, within=1)
    _press(page, "ArrowDown", 6)  # 選んでください → 本人 世帯主 配偶者 子 父 母
    expect(relationship).to_have_value("mother")
    tabs += _tab_to(page, page.get_by_label("相談者の氏名"), within=1)  # she gave no name

    # 相談の対象となる人: unnamed, with an alias and the age the mother gave.
    tabs += _tab_to(page, page.get_by_role("radio", name="登録済みの人から探す"), within=1)
    _press(page, "ArrowRight", 2)
    expect(page.get_by_role("radio", name="氏名はわからない（仮名で登録する）")).to_be_checked()
    alias = page.get_by_label("仮名・呼び名")
    tabs += _tab_to(page, alias, within=1)
    _type(page, ALIAS)
    tabs += _tab_to(page, page.get_by_label("年齢（相談時）"), within=1)
    _type(page, "27")

    # 相談内容: two categories with Space, the main one with the arrow keys, the content typed.
    tabs += _tab_to(page, page.get_by_role("checkbox", name="家族との関係"), within=10)
    page.keyboard.press("Space")
    tabs += _tab_to(page, page.get_by_role("checkbox", name="ひきこもり・不登校"), within=3)
    page.keyboard.press("Space")
    main_concern = page.get_by_label("主な相談内容")
    tabs += _tab_to(page, main_concern, within=4)
    page.keyboard.press("End")  # その他
    _press(page, "ArrowUp", 3)  # 食べるものがない, DV・虐待, ひきこもり・不登校
    expect(main_concern).to_have_value("hikikomori")
    tabs += _tab_to(page, page.get_by_label("相談の内容", exact=True), within=1)
    _type(page, CONTENT)

    # 緊急度 stays 通常; 対応: 情報提供・助言のみ; Enter on the button sends the form.
    tabs += _tab_to(page, page.get_by_role("radio", name="通常"), within=1)
    tabs += _tab_to(page, page.get_by_role("radio", name="自機関で継続支援"), within=1)
    _press(page, "ArrowRight", 2)
    expect(page.get_by_role("radio", name="情報提供・助言のみ")).to_be_checked()
    tabs += _tab_to(page, page.get_by_role("button", name="相談を記録する"), within=1)
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^相談 #\d+（電話）$"))
    seconds = time.monotonic() - started
    print(f"keyboard-only intake: {seconds:.1f} s ({tabs} Tab presses)")
    assert seconds <= MAX_SECONDS, f"the keyboard-only intake took {seconds:.1f} s"

    expect(page.locator(".messages")).to_have_text("相談を記録しました（情報提供・助言のみ）。")
    for term, shown in (
        ("相談方法", "電話"),
        ("相談者", "家族（母）"),
        ("相談の対象となる人", re.compile(f"^{ALIAS}\\s*（相談時 27歳）$")),
        ("相談内容", "家族との関係、ひきこもり・不登校"),
        ("主な相談内容", "ひきこもり・不登校"),
        ("相談の内容", CONTENT),
        ("緊急度", "通常"),
        ("対応", "情報提供・助言のみ"),
    ):
        dd = page.locator("dl.summary dt", has_text=re.compile(f"^{term}$")).locator("+ dd")
        expect(dd).to_have_text(shown)

    consultation = Consultation.objects.select_related("person").get()
    expect(page).to_have_url(f"{server_url}/consultations/{consultation.pk}/")
    assert consultation.channel == "phone"
    assert consultation.consulter_type == "family"
    assert consultation.consulter_relationship == "mother"
    assert consultation.consulter_name == ""
    assert consultation.person.alias == ALIAS
    assert (consultation.person.family_name, consultation.person.given_name) == ("", "")
    assert consultation.person.estimated_age == 27
    assert consultation.age_at_contact == 27
    assert consultation.categories == ["family", "hikikomori"]
    assert consultation.main_concern == "hikikomori"
    assert consultation.content == CONTENT
    assert consultation.urgency == "normal"
    assert consultation.disposition == "information"
    assert consultation.case is None and consultation.referral is None
    assert consultation.taken_by.username == "soudan"
    # The drafts saved while typing went with the save.
    assert not ConsultationDraft.objects.exists()
