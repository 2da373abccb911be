"""Persons in a real browser: live variant search, the duplicate warning, merge and undo, keyboard.

The demo persons of people/demo.py are loaded for every test: 高橋 茂 and his unnamed eldest son,
the 齋藤 family, and 斉藤 由美 (さいとう ゆみ), a second record of 齋藤 由美 queued for review.
"""

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in, type_code_by_keyboard

SEARCH_LABEL = "氏名・読み・仮名で探す"
DUPLICATE_WARNING = "同じ人がすでに登録されているかもしれません"


@pytest.fixture
def world(transactional_db: None) -> Any:
    from accounts.demo import build_world

    return build_world(password=PASSWORD, demo=False)


@pytest.fixture
def personas(world: Any) -> dict[str, Any]:
    """Overrides conftest's personas so that the staff and the demo persons share one world."""
    return world.staff


@pytest.fixture
def people(world: Any) -> dict[str, Any]:
    from people.demo import build_people

    return build_people(world)


def _results(page: Page) -> Locator:
    return page.locator("#results")


def _type_search(page: Page, text: str) -> None:
    """Type into the search box like a worker would, one character at a time, no Enter."""
    box = page.get_by_label(SEARCH_LABEL)
    box.fill("")
    box.press_sequentially(text, delay=30)


def test_typing_a_kanji_variant_or_half_width_kana_lists_the_person_without_pressing_enter(
    page: Page, server_url: str, people: dict[str, Any]
) -> None:
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/persons/")
    expect(page.get_by_role("heading", level=1)).to_have_text("本人・家族")
    # A full page load would drop this marker: the results must come from htmx swapping #results.
    page.evaluate("window.__noReload = true")

    _type_search(page, "髙橋")

    expect(_results(page)).to_contain_text("「髙橋」の検索結果")
    expect(_results(page).get_by_role("link", name=re.compile(r"^高橋 茂"))).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    expect(page).to_have_url(re.compile(r"/persons/\?q=%E9%AB%99%E6%A9%8B$"))  # hx-push-url

    _type_search(page, "ｻｲﾄｳ")

    expect(_results(page)).to_contain_text("「ｻｲﾄｳ」の検索結果")
    for name in ("齋藤 健一", "齋藤 由美", "齋藤 翔", "齋藤 美咲"):
        expect(_results(page).get_by_role("link", name=re.compile(f"^{name}"))).to_be_visible()
    expect(_results(page)).not_to_contain_text("高橋 茂")
    assert page.evaluate("window.__noReload") is True


def test_registering_someone_already_on_record_warns_first_and_saves_only_when_confirmed(
    page: Page, server_url: str, people: dict[str, Any]
) -> None:
    from people.models import Person

    before = Person.objects.count()
    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/persons/")
    page.get_by_role("main").get_by_role("link", name="新しく登録する").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("本人・家族を新しく登録")

    page.get_by_label("姓", exact=True).fill("斎藤")
    page.get_by_label("名", exact=True).fill("健一")
    page.get_by_label("セイ（自己申告の読み）").fill("サイトウ")
    page.get_by_label("生年月日", exact=True).fill("昭和51年9月14日")
    page.get_by_role("button", name="保存").click()

    warning = page.locator("section.duplicates")
    expect(warning.get_by_role("heading", name=DUPLICATE_WARNING)).to_be_visible()
    expect(warning).to_have_attribute("role", "alert")
    kenichi_row = warning.get_by_role("row").filter(
        has=page.get_by_role("link", name=re.compile(r"^齋藤 健一"))
    )
    expect(kenichi_row).to_contain_text("可能性が高い")
    assert Person.objects.count() == before, "the probable duplicate was saved before confirming"
    # What the worker typed is still there for the second submit.
    expect(page.get_by_label("姓", exact=True)).to_have_value("斎藤")
    expect(page.get_by_role("button", name="保存")).to_have_count(0)

    page.get_by_role("button", name="別人として登録する").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("斎藤 健一")
    expect(page.locator(".messages")).to_contain_text("斎藤 健一 さんの記録を作成しました。")
    assert Person.objects.count() == before + 1
    created = Person.objects.get(family_name="斎藤", given_name="健一")
    expect(page).to_have_url(f"{server_url}/persons/{created.pk}/")
    assert str(created.birth_date) == "1976-09-14"


def test_a_coordinator_merges_a_duplicate_and_undoes_the_merge(
    page: Page, server_url: str, people: dict[str, Any]
) -> None:
    from people.models import Household, HouseholdMembership, Person

    yumi, yumi_again = people["yumi"], people["yumi_again"]
    # The second record came with a household of its own, entered by another worker.
    own_household = Household.objects.create(
        organisation=yumi_again.organisation, label="斉藤さん世帯（別の受付）"
    )
    HouseholdMembership.objects.create(
        household=own_household, person=yumi_again, relationship="head"
    )
    assert yumi.pk < yumi_again.pk  # 齋藤 由美 is the candidate's first record

    log_in(page, server_url, "chousei", PASSWORD)
    page.goto(f"{server_url}/persons/")
    page.get_by_role("main").get_by_role("link", name="重複の確認").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("重複の確認")
    row = page.get_by_role("row").filter(has_text=f"#{yumi_again.pk} 斉藤 由美")
    expect(row).to_contain_text(f"#{yumi.pk} 齋藤 由美")
    row.get_by_role("link", name="比べる").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("記録を比べる")
    keep = page.get_by_role("radio", name=f"#{yumi.pk} を残す")
    expect(keep).to_be_checked()  # the first record, 齋藤 由美, is kept
    expect(page.get_by_role("radio", name=f"#{yumi_again.pk} を残す")).not_to_be_checked()
    page.get_by_role("button", name="同じ人なので統合する").click()

    # The confirm step says what the merge does; nothing has moved yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"#{yumi_again.pk} を #{yumi.pk} に統合します"
    )
    expect(page.get_by_text("世帯員1件", exact=True)).to_be_visible()
    assert Person.objects.get(pk=yumi_again.pk).merged_into_id is None
    page.get_by_role("button", name="統合する", exact=True).click()

    expect(page).to_have_url(f"{server_url}/persons/{yumi.pk}/")
    expect(page.locator(".messages")).to_contain_text(
        f"#{yumi_again.pk} を #{yumi.pk} に統合しました。取り消すこともできます。"
    )
    households = page.get_by_role("heading", name="世帯", exact=True).locator("+ ul")
    expect(households.get_by_role("link", name="齋藤さん世帯")).to_be_visible()
    expect(households.get_by_role("link", name="斉藤さん世帯（別の受付）")).to_be_visible()
    page.goto(f"{server_url}/persons/{yumi_again.pk}/")
    expect(page.locator(".notice")).to_contain_text(f"#{yumi.pk} に統合されました。")

    page.goto(f"{server_url}/persons/{yumi.pk}/")
    page.get_by_role("button", name="統合を取り消す").click()

    expect(page.locator(".messages")).to_contain_text(
        f"統合を取り消し、#{yumi_again.pk} と #{yumi.pk} を元に戻しました。"
    )
    expect(page.get_by_text("取り消し済み")).to_be_visible()
    expect(page.get_by_role("button", name="統合を取り消す")).to_have_count(0)
    households = page.get_by_role("heading", name="世帯", exact=True).locator("+ ul")
    expect(households.get_by_role("link")).to_have_text(["齋藤さん世帯"])

    page.goto(f"{server_url}/persons/{yumi_again.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("斉藤 由美")
    expect(page.get_by_text("統合されました")).to_have_count(0)
    households = page.get_by_role("heading", name="世帯", exact=True).locator("+ ul")
    expect(households.get_by_role("link")).to_have_text(["斉藤さん世帯（別の受付）"])
    assert set(Person.objects.current().filter(pk__in=[yumi.pk, yumi_again.pk])) == {
        yumi,
        yumi_again,
    }


def test_logging_in_and_searching_work_with_the_keyboard_alone(
    page: Page, server_url: str, people: dict[str, Any]
) -> None:
    page.goto(f"{server_url}/login/")
    # The user name field has focus on arrival; Tab moves to the password, Enter submits.
    expect(page.get_by_label("ユーザー名")).to_be_focused()
    page.keyboard.type("soudan")
    page.keyboard.press("Tab")
    expect(page.get_by_label("パスワード")).to_be_focused()
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    type_code_by_keyboard(page, "soudan")
    expect(page.get_by_role("heading", level=1)).to_have_text("ホーム")

    page.goto(f"{server_url}/persons/")
    # The search box has focus on arrival: type, and Enter searches too.
    expect(page.get_by_label(SEARCH_LABEL)).to_be_focused()
    page.keyboard.type("たかはし")
    page.keyboard.press("Enter")
    person = _results(page).get_by_role("link", name=re.compile(r"^高橋 茂"))
    expect(person).to_be_visible()

    # From the search box, Tab reaches the 検索 button and then the first result.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="検索")).to_be_focused()
    page.keyboard.press("Tab")
    expect(_results(page).get_by_role("link").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/persons/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("高橋")
