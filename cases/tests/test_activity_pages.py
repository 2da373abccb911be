from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from cases.models import Activity, Case
from cases.services import NEXT_ACTION_BEFORE, OUTCOME_WITHOUT_VISIT, VISIT_WITHOUT_OUTCOME
from cases.tests.helpers import days_ago, open_case
from tsunagu.test import BaseTestCase
from tsunagu.validation import FREE_TEXT_CONTROL_CHARACTERS


def local_minute(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def activity_form_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "occurred_at": local_minute(timezone.now() - timedelta(hours=2)),
        "kind": "home_visit",
        "visit_outcome": "met_person",
        "other_participants": "民生委員の山田さん",
        "content": "玄関先で本人と5分ほど話せた。猫の話をした。",
        "next_action": "来週も同じ時間に訪問",
        "next_action_on": days_ago(-7).isoformat(),
    }
    data.update(overrides)
    return data


class ActivityPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan, opened_days_ago=30)
        self.url = f"/cases/{self.case.pk}/activities/new/"

    def test_the_form_defaults_to_now_and_to_the_worker(self) -> None:
        self.login(self.soudan)
        form = self.client.get(self.url).context["form"]
        self.assertLess(abs(timezone.now() - form.initial["occurred_at"]), timedelta(minutes=1))
        self.assertEqual(form.initial["participants"], [self.soudan.pk])
        self.assertIn((self.douryou.pk, "同僚 一郎"), form.fields["participants"].choices)
        self.assertNotIn(self.toukei.pk, dict(form.fields["participants"].choices))

    def test_a_home_visit_where_the_person_was_met_updates_the_contact_dates(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            activity_form_data(participants=[str(self.soudan.pk), str(self.douryou.pk)]),
        )
        self.assertRedirects(response, f"/cases/{self.case.pk}/")
        activity = Activity.objects.get(case=self.case)
        self.assertTrue(activity.met_person)
        self.assertEqual(
            set(activity.participants.values_list("username", flat=True)), {"soudan", "douryou"}
        )
        case = Case.objects.get(pk=self.case.pk)
        today = timezone.localtime(activity.occurred_at).date()
        self.assertEqual((case.last_contact_on, case.first_met_on), (today, today))
        page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(page, "玄関先で本人と5分ほど話せた。")
        self.assertContains(page, "訪問（本人に会えた）")

    def test_an_activity_in_the_future_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            activity_form_data(occurred_at=local_minute(timezone.now() + timedelta(days=1))),
        )
        self.assertContains(response, "未来の日時は記録できません。")
        self.assertFalse(Activity.objects.exists())
        self.assertIsNone(Case.objects.get(pk=self.case.pk).last_contact_on)

    def test_an_activity_before_the_case_opened_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            activity_form_data(occurred_at=local_minute(timezone.now() - timedelta(days=40))),
        )
        self.assertContains(response, "ケースの開始日より前の日時です。開始日を確認してください。")
        self.assertContains(response, "玄関先で本人と5分ほど話せた。")  # the input is kept
        self.assertFalse(Activity.objects.exists())

    def test_a_home_visit_needs_its_outcome(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, activity_form_data(visit_outcome=""))
        self.assertContains(
            response, "訪問の結果（本人に会えた・家族のみ・不在）を選んでください。"
        )
        self.assertEqual(response.context["form"].errors["visit_outcome"], [VISIT_WITHOUT_OUTCOME])
        self.assertFalse(Activity.objects.exists())

    def test_an_outcome_is_only_for_a_home_visit(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, activity_form_data(kind="phone"))
        self.assertEqual(response.context["form"].errors["visit_outcome"], [OUTCOME_WITHOUT_VISIT])
        self.assertContains(response, OUTCOME_WITHOUT_VISIT)
        self.assertFalse(Activity.objects.exists())

    def test_the_next_date_is_not_before_the_activity(self) -> None:
        self.login(self.soudan)
        # Two days ago: the activity, two hours ago, is yesterday's just after midnight.
        response = self.client.post(
            self.url, activity_form_data(next_action_on=days_ago(2).isoformat())
        )
        self.assertEqual(response.context["form"].errors["next_action_on"], [NEXT_ACTION_BEFORE])
        self.assertFalse(Activity.objects.exists())

    def test_control_characters_in_the_content_are_refused_but_line_breaks_are_kept(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, activity_form_data(content="訪問\x1bした"))
        self.assertEqual(response.context["form"].errors["content"], [FREE_TEXT_CONTROL_CHARACTERS])
        self.assertFalse(Activity.objects.exists())
        self.client.post(self.url, activity_form_data(content="玄関先で話せた。\n次回は\t来週。"))
        self.assertEqual(Activity.objects.get().content, "玄関先で話せた。\n次回は\t来週。")

    def test_required_fields_and_choices_have_the_apis_messages(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, activity_form_data(kind="", visit_outcome="x"))
        errors = response.context["form"].errors
        self.assertEqual(errors["kind"], ["種類を選んでください。"])
        self.assertEqual(
            errors["visit_outcome"], ["訪問の結果は一覧にあるものから選んでください。"]
        )

    def test_a_phone_call_needs_no_outcome_and_a_letter_left_counts_as_contact(self) -> None:
        self.login(self.soudan)
        self.client.post(
            self.url,
            activity_form_data(kind="letter", visit_outcome="", content="手紙をポストに入れた"),
        )
        case = Case.objects.get(pk=self.case.pk)
        self.assertIsNotNone(case.last_contact_on)
        self.assertIsNone(case.first_met_on)

    def test_a_saturday_evening_visit_is_out_of_hours(self) -> None:
        today = timezone.localdate()
        saturday = today - timedelta(days=(today.weekday() - 5) % 7 or 7)
        evening = timezone.make_aware(datetime(saturday.year, saturday.month, saturday.day, 19, 30))
        self.login(self.soudan)
        self.client.post(self.url, activity_form_data(occurred_at=local_minute(evening)))
        self.assertTrue(Activity.objects.get(case=self.case).is_out_of_hours)
        self.assertContains(self.client.get(f"/cases/{self.case.pk}/"), "時間外")

    def test_another_town_gets_404_and_the_statistics_clerk_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.post(self.url, activity_form_data()).status_code, 404)
        self.login(self.toukei)
        self.assertEqual(self.client.post(self.url, activity_form_data()).status_code, 403)
        self.assertFalse(Activity.objects.exists())
