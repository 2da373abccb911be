"""A supporter dispatch in a real browser: the worker dispatches, the supporter reports, the worker
reads the report.

The window has a case (高橋 健太さんの支援) and 支援 ゆう, a peer supporter of NPO ひだまり, is on
its registry with her login. The supporter must see only the nickname the worker typed and the
meeting point — never the case title or the family name.
"""

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in

TIMEOUT_MS = 10_000
CASE_TITLE = "高橋 健太さんの支援"
NICKNAME = "けんたさん"
MEETING_POINT = "つなぐ駅 北口の改札"


@pytest.fixture
def world(transactional_db: None) -> Any:
    from accounts.demo import build_world

    return build_world(password=PASSWORD, demo=False)


@pytest.fixture
def personas(world: Any) -> dict[str, Any]:
    return world.staff


@pytest.fixture
def case_and_supporter(world: Any) -> tuple[Any, Any]:
    from cases.tests.helpers import open_case
    from supporters.services import supporter_register

    soudan = world.staff["soudan"]
    case = open_case(soudan, title=CASE_TITLE)
    supporter = supporter_register(
        organisation_id=soudan.organisation_id,
        data={"name": "支援 ゆう", "kind": "peer", "user": world.staff["supporter"]},
        by=soudan,
    )
    return case, supporter


@pytest.fixture(autouse=True)
def _fail_fast(page: Page) -> None:
    page.set_default_timeout(TIMEOUT_MS)


def _log_out(page: Page) -> None:
    page.get_by_role("button", name="ログアウト").click()
    page.wait_for_load_state("load")


def test_a_worker_dispatches_the_supporter_who_reports_and_the_worker_reads_it(
    page: Page, server_url: str, case_and_supporter: tuple[Any, Any]
) -> None:
    from supporters.models import Dispatch

    case, _ = case_and_supporter
    tomorrow = timezone.localdate() + timedelta(days=1)

    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/dispatches/new/?case={case.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("派遣を登録")
    # Labels carry （必須）, and "サポーター" starts several of them: the fields by their ids.
    page.locator("#id_supporter").select_option(label="支援 ゆう")
    expect(page.locator("#id_kind")).to_have_value("home_visit")
    expect(page.locator("#id_case")).to_have_value(str(case.pk))
    page.locator("#id_starts_at_0").fill(tomorrow.isoformat())
    page.locator("#id_starts_at_1").fill("14:00")
    page.get_by_label("待ち合わせ場所").fill(MEETING_POINT)
    page.get_by_label("サポーターに伝える呼び名").fill(NICKNAME)
    page.get_by_label("サポーターへの連絡事項").fill("玄関先まで。猫の話が好き。")
    page.get_by_label("当日の連絡先（電話）").fill("090-1234-5678")
    page.get_by_role("button", name="派遣を登録").click()
    expect(page.locator(".messages")).to_contain_text("支援 ゆう さんの派遣を登録しました。")
    dispatch = Dispatch.objects.get()
    _log_out(page)

    log_in(page, server_url, "supporter", PASSWORD)
    page.goto(f"{server_url}/my/dispatches/")
    main = page.locator("main")
    expect(main).to_contain_text(NICKNAME)
    expect(main).to_contain_text(MEETING_POINT)
    expect(main).to_contain_text("相談 花子（090-1234-5678）")
    expect(main).not_to_contain_text("高橋")
    assert page.locator(f'a[href*="/cases/{case.pk}/"]').count() == 0
    # The case page itself stays closed to the supporter.
    response = page.goto(f"{server_url}/cases/{case.pk}/")
    assert response is not None and response.status == 404

    # The visit happens: its time passes (the services take no dispatch in the past).
    moment = timezone.make_aware(datetime.combine(timezone.localdate(), time(0, 0)))
    Dispatch.objects.filter(pk=dispatch.pk).update(starts_at=moment - timedelta(hours=10))
    page.goto(f"{server_url}/my/dispatches/")
    expect(page.get_by_role("heading", name="報告をお願いします")).to_be_visible()
    page.locator(f'a[href="/my/dispatches/{dispatch.pk}/"]').first.click()
    expect(page.locator("main")).not_to_contain_text("高橋")
    page.get_by_label("どんなことをしたか").fill("玄関先で5分ほど話せた。猫の写真を見せてくれた。")
    page.get_by_label("活動した時間（分）").fill("45")
    page.get_by_label("職員に伝えたい気がかりなこと").fill("眠れていないと言っていた。")
    page.get_by_role("button", name="報告を提出").click()
    expect(page.locator(".messages")).to_contain_text("報告を提出しました。")
    _log_out(page)

    log_in(page, server_url, "soudan", PASSWORD)
    page.goto(f"{server_url}/dispatches/{dispatch.pk}/")
    main = page.locator("main")
    expect(main).to_contain_text("実施")
    expect(main).to_contain_text("玄関先で5分ほど話せた。猫の写真を見せてくれた。")
    expect(main).to_contain_text("45分")
    expect(page.get_by_role("alert")).to_contain_text("眠れていないと言っていた。")
    expect(main.get_by_role("link", name=CASE_TITLE)).to_have_attribute(
        "href", f"/cases/{case.pk}/"
    )
