"""An ibasho in a real browser: a place with a weekly schedule, a reservation beyond capacity,
nickname and registered attendance."""

from typing import Any

from django.utils import timezone
from playwright.sync_api import Page, expect

from e2e.conftest import PASSWORD
from e2e.test_login import log_in


def test_a_place_with_a_weekly_schedule_a_reservation_and_attendance(
    page: Page, server_url: str, personas: dict[str, Any]
) -> None:
    from community.models import Session
    from people.models import Person

    staff = personas["ibasho"]
    Person.objects.create(organisation=staff.organisation, family_name="高田", given_name="陽介")
    log_in(page, server_url, "ibasho", PASSWORD)

    page.goto(f"{server_url}/ibasho/new/")
    page.get_by_label("名称").fill("ひだまり茶話会")
    page.get_by_label("参加方法").select_option(label="予約制")
    page.get_by_label("定員").fill("1")
    page.get_by_label("問い合わせ先").fill("0120-000-000")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("ひだまり茶話会")

    page.get_by_role("link", name="開催予定（繰り返し）を登録").click()
    page.get_by_label("繰り返し").select_option(label="毎週")
    page.get_by_label("曜日").select_option(label="水曜")
    page.get_by_label("開始時刻").fill("13:00")
    page.get_by_label("終了時刻").fill("16:00")
    page.get_by_label("開始日").fill(timezone.localdate().isoformat())
    page.get_by_role("button", name="開催予定を登録して開催回を作成").click()
    expect(page.get_by_text("終了日の指定がないため、2年先")).to_be_visible()
    expect(page.get_by_text("毎週水曜 13:00〜16:00（祝日は休み）")).to_be_visible()

    session = Session.objects.filter(place__name="ひだまり茶話会").order_by("date").first()
    assert session is not None
    page.goto(f"{server_url}/ibasho/sessions/{session.pk}/?q=高田")
    page.get_by_role("button", name="電話で予約").click()
    expect(page.get_by_text("予約を受け付けました。")).to_be_visible()
    page.get_by_label("ニックネーム（新しい方）").fill("みどり")
    page.get_by_role("button", name="予約を受け付ける").click()
    expect(page.get_by_text("キャンセル待ち（1番目）で受け付けました")).to_be_visible()

    # Attendance is recorded on the day only: the session's day comes (it may be ahead still).
    Session.objects.filter(pk=session.pk).update(date=timezone.localdate())
    page.reload()
    page.get_by_label("登録者・ニックネームを探す").fill("高田")
    page.get_by_role("button", name="探す").click()
    page.get_by_role("button", name="出席", exact=True).click()
    expect(page.get_by_text("出席を記録しました。")).to_be_visible()
    page.get_by_label("ニックネーム", exact=True).fill("そら")
    page.get_by_role("button", name="ニックネームで出席を記録").click()
    expect(page.get_by_text("「そら」さんの出席を記録しました。")).to_be_visible()
    expect(page.get_by_role("heading", name="出席（2人）")).to_be_visible()
    expect(page.get_by_role("cell", name="高田 陽介")).to_have_count(2)  # attended, reserved
