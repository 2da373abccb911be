"""The public ibasho calendar: no login, no request to anything but the live server."""

from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import Traffic


def test_the_public_calendar_renders_without_login_and_stays_on_the_server(
    page: Page, server_url: str, personas: dict[str, Any], traffic: Traffic
) -> None:
    from accounts.demo import build_world
    from accounts.models import LocalGovernment
    from community.demo import build_community
    from e2e.conftest import PASSWORD
    from people.demo import build_people

    world = build_world(password=PASSWORD, demo=False)
    build_community(world, build_people(world))
    code = LocalGovernment.objects.get(name="つなぐ市").code

    response = page.goto(f"{server_url}/public/{code}/ibasho/")

    assert response is not None and response.status == 200
    expect(page.get_by_role("heading", level=1)).to_have_text("居場所・家族の会のご案内")
    expect(page.get_by_role("link", name="ひだまりの居場所")).to_be_visible()
    expect(page.get_by_text("予約制").first).to_be_visible()
    assert "/login/" not in page.url
    page.get_by_role("link", name="ひだまりの居場所").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ひだまりの居場所")
    expect(page.get_by_text("毎週水曜 13:00〜16:00（祝日は休み）")).to_be_visible()
    page.set_viewport_size({"width": 375, "height": 700})  # a phone
    expect(page.get_by_role("heading", name="これからの開催日")).to_be_visible()
    assert traffic.urls, "no request was recorded"
    assert traffic.foreign_urls() == []
    assert traffic.csp_violations() == []
