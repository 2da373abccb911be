"""Meetings in a real browser: the 支援会議 confidentiality step of a partner agency's member,
and the 重層的支援会議's refusal of a case without consent."""

from datetime import timedelta
from typing import Any

from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD, Traffic
from e2e.test_login import log_in

MATERIAL = "母親（80代）の介護と本人の生活について。本人は昼夜逆転。"


def _meeting_with_case(personas: dict[str, Any], kind: str, *, on_agenda: bool) -> Any:
    from django.utils import timezone

    from cases.services import case_open
    from collaboration.meetings.services import agenda_add, meeting_create, member_add
    from people.models import Person

    chousei, soudan = personas["chousei"], personas["soudan"]
    person = Person.objects.create(
        organisation=soudan.organisation, family_name="高橋", given_name="健太"
    )
    case = case_open(
        organisation_id=soudan.organisation_id,
        title="高橋 健太さんの支援",
        lead_worker=soudan,
        person_id=person.pk,
        by=soudan,
    )
    meeting = meeting_create(
        kind=kind,
        title="4月の会議",
        held_at=timezone.now() - timedelta(hours=1),
        place="つなぐ市役所 3階会議室",
        by=chousei,
    )
    member_add(meeting=meeting, user=personas["houkatsu"], by=chousei)
    if on_agenda:
        agenda_add(meeting=meeting, case=case, material=MATERIAL, by=chousei)
    return meeting


def test_a_partner_member_sees_the_material_only_after_acknowledging_confidentiality(
    page: Page, server_url: str, personas: dict[str, Any], traffic: Traffic
) -> None:
    meeting = _meeting_with_case(personas, "support_meeting", on_agenda=True)
    log_in(page, server_url, "houkatsu", PASSWORD)
    page.goto(f"{server_url}/meetings/{meeting.pk}/")

    expect(page.get_by_role("heading", level=1)).to_have_text("支援会議「4月の会議」")
    expect(page.get_by_role("heading", name="守秘義務の確認（支援会議）")).to_be_visible()
    expect(page.locator("main")).to_contain_text("社会福祉法第106条の6")
    expect(page.get_by_role("link", name="資料を見る")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text("高橋")

    page.get_by_role("button", name="守秘義務を確認しました").click()

    expect(page.locator(".messages")).to_contain_text("守秘義務の確認を記録しました")
    expect(page.get_by_role("button", name="守秘義務を確認しました")).to_have_count(0)
    page.get_by_role("link", name="資料を見る").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("議題の資料")
    expect(page.locator("main")).to_contain_text(MATERIAL)
    expect(page.locator("main")).to_contain_text("高橋 健太")
    expect(page.locator("main")).to_contain_text("支援会議（会議 #")
    assert traffic.csp_violations() == []
    assert traffic.foreign_urls() == []


def test_a_case_without_consent_is_refused_at_a_multiagency_meeting_with_the_reason(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    from collaboration.models import AgendaItem

    meeting = _meeting_with_case(personas, "multiagency", on_agenda=False)
    log_in(page, server_url, "chousei", PASSWORD)
    page.goto(f"{server_url}/meetings/{meeting.pk}/")
    page.get_by_role("link", name="議題にケースを加える").click()

    page.get_by_role("combobox", name="ケース").select_option(label="高橋 健太さんの支援")
    page.get_by_label("会議資料（要旨）").fill(MATERIAL)
    page.get_by_role("button", name="議題に加える").click()

    error = page.locator(".field-error")
    expect(error).to_contain_text("重層的支援会議の議題にできません。")
    expect(error).to_contain_text("有効な同意がありません")
    expect(page.locator(".errors")).to_contain_text("まだ議題に加えていません。")
    assert not AgendaItem.objects.filter(meeting=meeting).exists()
