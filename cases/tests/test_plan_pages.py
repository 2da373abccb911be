from typing import Any

from audit.models import AuditEvent
from cases.models import Case, PlanAction, Stage, SupportPlan
from cases.services import (
    ACTION_WITHOUT_DESCRIPTION,
    ACTION_WORKER_AND_AGENCY,
    APPROVED_IN_FUTURE,
    plan_save,
)
from cases.tests.helpers import days_ago, make_agency, open_case
from tsunagu.test import BaseTestCase


def plan_form_data(based_on: int = 0, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "long_term_goal": "家族以外の人と安心して過ごせる場所を持つ",
        "short_term_goals": "月に2回、職員の訪問で話をする\n居場所の見学に行く",
        "services": "ひだまりの居場所（月2回）",
        "work_readiness_started_on": "",
        "work_readiness_extension_reason": "",
        "review_on": days_ago(-90).isoformat(),
        "approved_on": "",
        "approval_meeting": "",
        "based_on": str(based_on),
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "30",
        "actions-0-description": "月2回の訪問",
        "actions-0-responsible_worker": "",
        "actions-0-responsible_agency": "",
        "actions-1-description": "",
        "actions-1-responsible_worker": "",
        "actions-1-responsible_agency": "",
        "actions-2-description": "",
        "actions-2-responsible_worker": "",
        "actions-2-responsible_agency": "",
    }
    data.update(overrides)
    return data


class PlanPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.agency = make_agency(self.soudan)
        self.url = f"/cases/{self.case.pk}/plan/"

    def test_the_first_save_adds_version_one_with_its_actions(self) -> None:
        self.login(self.soudan)
        self.assertContains(self.client.get(self.url), "最初のプランです")
        response = self.client.post(
            self.url,
            plan_form_data(
                **{
                    "actions-0-responsible_worker": str(self.soudan.pk),
                    "actions-1-description": "父親の介護保険の申請を支援",
                    "actions-1-responsible_agency": str(self.agency.pk),
                    "approved_on": days_ago(1).isoformat(),
                    "approval_meeting": "支援調整会議",
                }
            ),
        )
        self.assertRedirects(response, f"/cases/{self.case.pk}/")
        plan = SupportPlan.objects.get(case=self.case)
        self.assertEqual(plan.number, 1)
        self.assertEqual(plan.approval_meeting, "支援調整会議")
        actions = list(
            PlanAction.objects.filter(plan=plan).values_list(
                "description", "responsible_worker", "responsible_agency"
            )
        )
        self.assertEqual(
            actions,
            [
                ("月2回の訪問", self.soudan.pk, None),
                ("父親の介護保険の申請を支援", None, self.agency.pk),
            ],
        )
        self.assertEqual(Case.objects.get(pk=self.case.pk).stage, Stage.PLAN)
        page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(page, "家族以外の人と安心して過ごせる場所を持つ")
        self.assertContains(page, "父親の介護保険の申請を支援")
        self.assertContains(page, "つなぐ市中央地域包括支援センター")

    def test_editing_saves_the_next_version_and_keeps_the_earlier_one(self) -> None:
        plan_save(
            case=self.case,
            data={
                "long_term_goal": "生活リズムを整える",
                "short_term_goals": "週1回電話で話す",
                "review_on": days_ago(-30),
            },
            actions=[{"description": "週1回の電話"}],
            based_on=0,
            by=self.soudan,
        )
        self.login(self.soudan)
        form = self.client.get(self.url).context["form"]
        self.assertEqual(form.initial["based_on"], 1)
        self.assertEqual(form.initial["long_term_goal"], "生活リズムを整える")
        self.client.post(self.url, plan_form_data(based_on=1))
        self.assertEqual(
            list(SupportPlan.objects.filter(case=self.case).values_list("number", flat=True)),
            [2, 1],
        )
        response = self.client.get(f"/cases/{self.case.pk}/plan/1/")
        self.assertContains(response, "生活リズムを整える")
        self.assertContains(response, "週1回の電話")

    def test_a_plan_without_goals_is_refused_with_the_services_message(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url, plan_form_data(long_term_goal="", short_term_goals="  ")
        )
        self.assertContains(response, "長期目標を入力してください。")
        self.assertContains(response, "短期目標を入力してください。")
        self.assertFalse(SupportPlan.objects.filter(case=self.case).exists())

    def test_work_readiness_beyond_a_year_needs_a_reason(self) -> None:
        self.login(self.soudan)
        data = plan_form_data(
            uses_work_readiness="on",
            work_readiness_started_on=days_ago(300).isoformat(),
            review_on=days_ago(-90).isoformat(),
        )
        response = self.client.post(self.url, data)
        self.assertContains(response, "就労準備支援事業は原則1年までです")
        self.assertFalse(SupportPlan.objects.exists())
        data["work_readiness_extension_reason"] = (
            "体調の波が大きく、週1回の参加から段階的に増やすため"
        )
        self.assertRedirects(self.client.post(self.url, data), f"/cases/{self.case.pk}/")

    def test_an_action_with_both_a_worker_and_an_agency_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            plan_form_data(
                **{
                    "actions-0-responsible_worker": str(self.soudan.pk),
                    "actions-0-responsible_agency": str(self.agency.pk),
                }
            ),
        )
        self.assertContains(response, "担当は職員か機関のどちらか一方を選んでください。")
        row = response.context["formset"][0]
        self.assertEqual(row.errors["responsible_agency"], [ACTION_WORKER_AND_AGENCY])
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_action_with_a_worker_but_no_description_is_refused_in_its_row(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            plan_form_data(**{"actions-2-responsible_worker": str(self.soudan.pk)}),
        )
        self.assertContains(response, ACTION_WITHOUT_DESCRIPTION)
        formset = response.context["formset"]
        self.assertEqual(formset[2].errors["description"], [ACTION_WITHOUT_DESCRIPTION])
        self.assertEqual((formset[0].errors, formset[1].errors), ({}, {}))
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_approval_date_in_the_future_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, plan_form_data(approved_on=days_ago(-1).isoformat()))
        self.assertEqual(response.context["form"].errors["approved_on"], [APPROVED_IN_FUTURE])
        self.assertContains(response, APPROVED_IN_FUTURE)
        self.assertFalse(SupportPlan.objects.exists())

    def test_a_worker_off_the_team_cannot_be_made_responsible(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url, plan_form_data(**{"actions-0-responsible_worker": str(self.minato.pk)})
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(SupportPlan.objects.exists())

    def test_a_stale_save_is_refused_and_shows_both_versions_keeping_the_input(self) -> None:
        self.login(self.soudan)
        opened_form = self.client.get(self.url).context["form"]
        self.assertEqual(opened_form.initial["based_on"], 0)
        # Meanwhile a colleague on the team saves a plan first.
        plan_save(
            case=self.case,
            data={
                "long_term_goal": "同僚が保存した長期目標",
                "short_term_goals": "同僚が保存した短期目標",
                "review_on": days_ago(-60),
            },
            actions=[{"description": "同僚が書いた取り組み"}],
            based_on=0,
            by=self.douryou,
        )
        response = self.client.post(
            self.url, plan_form_data(based_on=0, long_term_goal="わたしの長期目標")
        )
        self.assertContains(response, "ほかの人が先にプランを保存しました（第1版）")
        self.assertContains(response, "同僚が保存した長期目標")
        self.assertContains(response, "同僚が書いた取り組み")
        form = response.context["form"]
        self.assertEqual(form.data["long_term_goal"], "わたしの長期目標")
        self.assertEqual(form.data["based_on"], "1")
        self.assertEqual(response.context["formset"].data["actions-0-description"], "月2回の訪問")
        self.assertEqual(SupportPlan.objects.filter(case=self.case).count(), 1)
        self.assertEqual(
            self.audit_rows(
                action=AuditEvent.Action.CREATE, actor=self.soudan, object_type="cases.supportplan"
            ),
            [],
        )
        # Saving again after comparing is a knowing choice: it adds version 2.
        self.client.post(self.url, form.data)
        latest = SupportPlan.objects.filter(case=self.case).order_by("-number").first()
        assert latest is not None
        self.assertEqual((latest.number, latest.long_term_goal), (2, "わたしの長期目標"))

    def test_another_town_gets_404_and_the_administrator_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.login(self.admin)
        self.assertEqual(self.client.get(self.url).status_code, 403)


class PlanReviewDateTests(BaseTestCase):
    def test_a_review_date_in_the_past_is_refused_and_today_is_accepted(self) -> None:
        from django.core.exceptions import ValidationError

        from cases.services import REVIEW_IN_PAST, plan_save

        case = open_case(self.soudan)
        data = {"long_term_goal": "外出できる", "short_term_goals": "月1回面談"}
        with self.assertRaises(ValidationError) as raised:
            plan_save(
                case=case,
                data={**data, "review_on": days_ago(1)},
                actions=[],
                based_on=0,
                by=self.soudan,
            )
        self.assertEqual(raised.exception.message_dict["review_on"], [REVIEW_IN_PAST])
        self.assertFalse(case.plans.exists())
        plan = plan_save(
            case=case,
            data={**data, "review_on": days_ago(0)},
            actions=[],
            based_on=0,
            by=self.soudan,
        )
        self.assertEqual(plan.number, 1)

    def test_the_plan_page_shows_the_refusal_at_the_review_date(self) -> None:
        case = open_case(self.soudan)
        self.login(self.soudan)
        response = self.client.post(
            f"/cases/{case.pk}/plan/", plan_form_data(review_on=days_ago(3).isoformat())
        )
        self.assertContains(response, "見直し日が過去の日付です。")
        self.assertFalse(case.plans.exists())
