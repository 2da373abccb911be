from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from supporters.models import Supporter, Training
from supporters.services import ACCOUNT_ALREADY_LINKED, NOT_A_SUPPORTER_ACCOUNT
from supporters.tests.helpers import register
from tsunagu.test import BaseTestCase


def supporter_form_data(**overrides: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "name": "森 さとし",
        "kind": "former",
        "user": "",
        "area": "北地区",
        "available_days": ["sat", "sun"],
        "available_from": "13:00",
        "available_until": "17:00",
        "availability_note": "月1回程度まで",
        "is_active": "on",
    }
    data.update(overrides)
    return data


class RegistryPageTests(BaseTestCase):
    def test_a_worker_registers_a_supporter_linked_to_the_npo_supporter_account(self) -> None:
        self.login(self.soudan)
        supporter_account = self.world.staff["supporter"]
        form = self.client.get("/supporters/new/").context["form"]
        offered = [str(label) for _, label in form.fields["user"].choices]
        self.assertIn("支援 ゆう（supporter・NPO法人 ひだまり）", offered)
        self.assertFalse(any("相談 花子" in label for label in offered))  # not a supporter
        response = self.client.post(
            "/supporters/new/", supporter_form_data(user=str(supporter_account.pk))
        )
        supporter = Supporter.objects.get()
        self.assertRedirects(response, f"/supporters/{supporter.pk}/")
        self.assertEqual(supporter.organisation, self.window)
        self.assertEqual(supporter.user, supporter_account)
        self.assertEqual(supporter.available_days, ["sat", "sun"])
        page = self.client.get(f"/supporters/{supporter.pk}/")
        self.assertContains(page, "元当事者")
        self.assertContains(page, "土・日曜 13:00〜17:00（月1回程度まで）")
        row = self.audit_rows(action=AuditEvent.Action.CREATE, object_type="supporters.supporter")
        self.assertEqual(row[0].detail["fields"][0], "area")
        self.assertNotIn("森", str(row[0].detail))

    def test_the_list_shows_kind_area_and_training_hours(self) -> None:
        register(self.soudan, "支援 ゆう")
        self.login(self.douryou)
        page = self.client.get("/supporters/")
        self.assertContains(page, "支援 ゆう")
        self.assertContains(page, "ピアサポーター")
        self.assertContains(page, "1件（12.5時間）")

    def test_a_training_is_recorded_and_totalled(self) -> None:
        supporter = register(self.soudan)
        self.login(self.soudan)
        response = self.client.post(
            f"/supporters/{supporter.pk}/trainings/",
            {"name": "フォローアップ研修", "completed_on": "令和6年2月15日", "hours": "3"},
        )
        self.assertRedirects(response, f"/supporters/{supporter.pk}/")
        page = self.client.get(f"/supporters/{supporter.pk}/")
        self.assertContains(page, "フォローアップ研修")
        self.assertContains(page, "令和6年2月15日")
        self.assertContains(page, "15.5時間")

    def test_a_training_in_the_future_or_with_no_hours_is_refused(self) -> None:
        supporter = register(self.soudan)
        self.login(self.soudan)
        tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
        response = self.client.post(
            f"/supporters/{supporter.pk}/trainings/",
            {"name": "未来の研修", "completed_on": tomorrow, "hours": "3"},
        )
        self.assertContains(response, "修了日が未来の日付です。")
        response = self.client.post(
            f"/supporters/{supporter.pk}/trainings/",
            {"name": "時間なし", "completed_on": "2024-05-01", "hours": "0"},
        )
        self.assertContains(response, "時間数は0.5〜999.5の間で入力してください。")
        response = self.client.post(
            f"/supporters/{supporter.pk}/trainings/",
            {"name": "文字", "completed_on": "2024-05-01", "hours": "たくさん"},
        )
        self.assertContains(response, "時間数は数字で入力してください（例: 12.5）。")
        self.assertEqual(Training.objects.filter(supporter=supporter).count(), 1)

    def test_an_account_without_the_supporter_role_cannot_be_linked(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/supporters/new/", supporter_form_data(user=str(self.douryou.pk))
        )
        self.assertContains(response, "ログインアカウントは一覧にあるものから選んでください。")
        self.assertFalse(Supporter.objects.exists())
        self.assertIn("この機関か委託先", NOT_A_SUPPORTER_ACCOUNT)

    def test_one_account_is_linked_to_one_registration_of_the_organisation(self) -> None:
        register(self.soudan, user=self.world.staff["supporter"])
        self.login(self.soudan)
        response = self.client.post(
            "/supporters/new/",
            supporter_form_data(user=str(self.world.staff["supporter"].pk)),
        )
        self.assertContains(response, ACCOUNT_ALREADY_LINKED)
        self.assertEqual(Supporter.objects.count(), 1)

    def test_hours_that_end_before_they_start_are_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/supporters/new/", supporter_form_data(available_from="17:00", available_until="13:00")
        )
        self.assertContains(response, "終わりの時刻は始まりの時刻より後にしてください。")
        self.assertContains(response, "森 さとし")  # the input is kept
        self.assertFalse(Supporter.objects.exists())

    def test_a_blank_name_and_kind_are_refused_in_japanese(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/supporters/new/", supporter_form_data(name="", kind=""))
        self.assertContains(response, "氏名を入力してください。")
        self.assertContains(response, "種別を選んでください。")

    def test_editing_keeps_the_version_and_refuses_a_stale_form(self) -> None:
        supporter = register(self.soudan)
        self.login(self.soudan)
        form = self.client.get(f"/supporters/{supporter.pk}/edit/").context["form"]
        self.assertEqual(form.initial["name"], "支援 ゆう")
        data = supporter_form_data(name="支援 ゆう", area="南地区", version="1")
        self.assertRedirects(
            self.client.post(f"/supporters/{supporter.pk}/edit/", data),
            f"/supporters/{supporter.pk}/",
        )
        self.assertEqual(Supporter.objects.get(pk=supporter.pk).area, "南地区")
        response = self.client.post(f"/supporters/{supporter.pk}/edit/", data)  # version 1 again
        self.assertContains(response, "ほかの人が先にこのサポーターの登録を更新しました。")
        update = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="supporters.supporter"
        )
        self.assertEqual(
            update[0].detail["fields"],
            [
                "area",
                "availability_note",
                "available_days",
                "available_from",
                "available_until",
                "kind",
            ],
        )
