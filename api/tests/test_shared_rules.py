"""The rules the API shares with the pages: enforced by the services, refused as 422 at the field
with the same message as on the page (the page tests assert the same messages)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from api.common import INVALID
from api.tests.test_cases_api import CasesApiTestCase
from cases.models import Activity, Assessment, Case, Stage, SupportPlan
from cases.services import (
    ACTION_WITHOUT_DESCRIPTION,
    ACTION_WORKER_AND_AGENCY,
    APPROVED_IN_FUTURE,
    ASSESSED_IN_FUTURE,
    CLOSURE_FOLLOW_UP_PAST,
    NEXT_ACTION_BEFORE,
    OUTCOME_WITHOUT_VISIT,
    SINCE_IN_FUTURE,
    SINCE_MONTH_WITHOUT_YEAR,
    VISIT_WITHOUT_OUTCOME,
)
from collaboration.models import Agency, Referral
from collaboration.referrals.services import FAILED_WITHOUT_REASON, REFERRAL_FOLLOW_UP_PAST
from consultations.models import Consultation
from people.models import Person
from tsunagu.validation import FREE_TEXT_CONTROL_CHARACTERS


class SharedRulesTestCase(CasesApiTestCase):
    def assert_refused(self, response: Any, errors: dict[str, list[str]]) -> None:
        """422 in the API's shape, with exactly these messages at these fields."""
        self.assertEqual(response.status_code, 422, response.content)
        self.assertEqual(response.json(), {"detail": INVALID, "errors": errors})

    def refer(self, case_id: int, **overrides: Any) -> Any:
        body = {
            "case_id": case_id,
            "agency_id": self.agency.pk,
            "purpose": "医療につなぐ相談",
            "follow_up_on": (self.today + timedelta(days=14)).isoformat(),
            **overrides,
        }
        return self.call("POST", "/referrals", self.soudan, body)

    def activity(self, case_id: int, **overrides: Any) -> Any:
        body = {
            "occurred_at": timezone.now().isoformat(),
            "kind": "home_visit",
            "visit_outcome": "met_person",
            "content": "玄関先で少し話せた。",
            **overrides,
        }
        return self.call("POST", f"/cases/{case_id}/activities", self.soudan, body)


class ReferralRuleTests(SharedRulesTestCase):
    def test_a_follow_up_date_in_the_past_is_refused(self) -> None:
        case_id = self.open_case()
        yesterday = (self.today - timedelta(days=1)).isoformat()
        self.assert_refused(
            self.refer(case_id, follow_up_on=yesterday),
            {"follow_up_on": [REFERRAL_FOLLOW_UP_PAST]},
        )
        self.assertFalse(Referral.objects.exists())
        self.assertEqual(self.refer(case_id).status_code, 201)

    def test_a_follow_up_date_in_the_past_is_refused_at_intake_and_nothing_is_saved(self) -> None:
        response = self.intake(
            disposition="refer",
            agency_id=self.agency.pk,
            referral_purpose="就労に向けた相談",
            referral_follow_up_on=(self.today - timedelta(days=1)).isoformat(),
        )
        self.assert_refused(response, {"referral_follow_up_on": [REFERRAL_FOLLOW_UP_PAST]})
        self.assertFalse(Person.objects.exists())
        self.assertFalse(Referral.objects.exists())

    def test_a_state_that_does_not_follow_is_refused_at_the_state(self) -> None:
        referral = self.refer(self.open_case()).json()
        path = f"/referrals/{referral['id']}/state"
        body = {"state": "ended", "version": referral["version"]}
        self.assert_refused(
            self.call("POST", path, self.soudan, body),
            {"state": ["「打診中」から「終了」には変えられません。"]},
        )
        self.assertEqual(Referral.objects.get().state, Referral.State.PROPOSED)

    def test_failing_needs_a_reason_at_the_note(self) -> None:
        referral = self.refer(self.open_case()).json()
        path = f"/referrals/{referral['id']}/state"
        body = {"state": "failed", "note": " ", "version": referral["version"]}
        self.assert_refused(
            self.call("POST", path, self.soudan, body), {"note": [FAILED_WITHOUT_REASON]}
        )
        self.assertEqual(Referral.objects.get().state, Referral.State.PROPOSED)

    def test_a_name_already_in_the_directory_is_refused_at_the_name(self) -> None:
        body = {"name": "つなぐ市保健センター", "category": "public_health"}
        self.assert_refused(
            self.call("POST", "/agencies", self.soudan, body),
            {"name": ["「つなぐ市保健センター」はすでにつなぐ市の地域資源に登録されています。"]},
        )
        self.assertEqual(Agency.objects.filter(name="つなぐ市保健センター").count(), 1)


class CaseRuleTests(SharedRulesTestCase):
    def test_closing_with_a_follow_up_date_in_the_past_is_refused(self) -> None:
        case_id = self.open_case()
        body = {
            "reason": "goal_reached",
            "follow_up_on": (self.today - timedelta(days=1)).isoformat(),
            "version": 1,
        }
        self.assert_refused(
            self.call("POST", f"/cases/{case_id}/close", self.soudan, body),
            {"follow_up_on": [CLOSURE_FOLLOW_UP_PAST]},
        )
        self.assertEqual(Case.objects.get(pk=case_id).stage, Stage.INTAKE)

    def test_closing_through_a_stage_change_is_refused_with_the_services_message(self) -> None:
        case_id = self.open_case()
        body = {"stage": "closed", "version": 1}
        response = self.call("POST", f"/cases/{case_id}/stage", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json()["detail"],
            "終結は「終結する」から、理由と確認日を入れて行ってください。",
        )


class ActivityRuleTests(SharedRulesTestCase):
    def test_a_home_visit_needs_its_outcome(self) -> None:
        case_id = self.open_case()
        self.assert_refused(
            self.activity(case_id, visit_outcome=""), {"visit_outcome": [VISIT_WITHOUT_OUTCOME]}
        )
        self.assertFalse(Activity.objects.exists())

    def test_an_outcome_is_only_for_a_home_visit(self) -> None:
        case_id = self.open_case()
        self.assert_refused(
            self.activity(case_id, kind="phone"), {"visit_outcome": [OUTCOME_WITHOUT_VISIT]}
        )
        self.assertFalse(Activity.objects.exists())

    def test_the_next_date_is_not_before_the_activity(self) -> None:
        case_id = self.open_case()
        yesterday = (self.today - timedelta(days=1)).isoformat()
        self.assert_refused(
            self.activity(case_id, next_action_on=yesterday),
            {"next_action_on": [NEXT_ACTION_BEFORE]},
        )
        self.assertFalse(Activity.objects.exists())

    def test_required_fields_and_choices_have_the_pages_messages(self) -> None:
        case_id = self.open_case()
        self.assert_refused(
            self.activity(case_id, kind="", visit_outcome="somewhere"),
            {
                "kind": ["種類を選んでください。"],
                "visit_outcome": ["訪問の結果は一覧にあるものから選んでください。"],
            },
        )


class PlanRuleTests(SharedRulesTestCase):
    def plan(self, case_id: int, **overrides: Any) -> Any:
        return self.call(
            "POST", f"/cases/{case_id}/plans", self.soudan, self.plan_body(0, **overrides)
        )

    def test_an_action_with_both_a_worker_and_an_agency_is_refused(self) -> None:
        case_id = self.open_case()
        action = {
            "description": "月1回の訪問",
            "responsible_worker_id": self.soudan.pk,
            "responsible_agency_id": self.agency.pk,
        }
        self.assert_refused(
            self.call(
                "POST", f"/cases/{case_id}/plans", self.soudan, self.plan_body(0, actions=[action])
            ),
            {"actions.0.responsible_agency_id": [ACTION_WORKER_AND_AGENCY]},
        )
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_action_without_a_description_is_refused(self) -> None:
        case_id = self.open_case()
        actions = [
            {"description": "月1回の訪問"},
            {"description": " ", "responsible_worker_id": self.soudan.pk},
        ]
        self.assert_refused(
            self.call(
                "POST", f"/cases/{case_id}/plans", self.soudan, self.plan_body(0, actions=actions)
            ),
            {"actions.1.description": [ACTION_WITHOUT_DESCRIPTION]},
        )
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_actions_fields_are_read_by_the_pages_form_and_named_as_in_the_body(self) -> None:
        case_id = self.open_case()
        actions = [{"description": "月1回の訪問", "responsible_worker_id": self.minato.pk}]
        self.assert_refused(
            self.plan(case_id, actions=actions),
            {"actions.0.responsible_worker_id": ["担当職員は一覧にあるものから選んでください。"]},
        )
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_approval_date_in_the_future_is_refused(self) -> None:
        case_id = self.open_case()
        tomorrow = (self.today + timedelta(days=1)).isoformat()
        self.assert_refused(
            self.call(
                "POST",
                f"/cases/{case_id}/plans",
                self.soudan,
                self.plan_body(0, approved_on=tomorrow),
            ),
            {"approved_on": [APPROVED_IN_FUTURE]},
        )
        self.assertFalse(SupportPlan.objects.exists())


class AssessmentRuleTests(SharedRulesTestCase):
    def assess(self, case_id: int, **body: Any) -> Any:
        return self.call("POST", f"/cases/{case_id}/assessments", self.soudan, body)

    def test_an_assessment_dated_in_the_future_is_refused(self) -> None:
        case_id = self.open_case()
        tomorrow = (self.today + timedelta(days=1)).isoformat()
        self.assert_refused(
            self.assess(case_id, assessed_on=tomorrow), {"assessed_on": [ASSESSED_IN_FUTURE]}
        )
        self.assertFalse(Assessment.objects.exists())

    def test_a_month_without_its_year_is_refused(self) -> None:
        case_id = self.open_case()
        self.assert_refused(
            self.assess(case_id, state_since_month=4),
            {"state_since_year": [SINCE_MONTH_WITHOUT_YEAR]},
        )

    def test_a_state_since_a_future_month_is_refused(self) -> None:
        case_id = self.open_case()
        self.assert_refused(
            self.assess(case_id, state_since_year=self.today.year + 1),
            {"state_since_year": [SINCE_IN_FUTURE]},
        )
        self.assertFalse(Assessment.objects.exists())

    def test_life_domains_are_read_by_the_pages_fields(self) -> None:
        case_id = self.open_case()
        response = self.assess(case_id, life_domains={"isolation": "issue", "work": "watch"})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["life_domains"], {"isolation": "issue", "work": "watch"})
        response = self.assess(case_id, life_domains={"isolation": "serious", "moon": "issue"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(list(response.json()["errors"]), ["life_domains"])
        self.assertEqual(len(response.json()["errors"]["life_domains"]), 2)


class ControlCharacterTests(SharedRulesTestCase):
    def test_free_text_with_control_characters_is_refused_as_on_the_pages(self) -> None:
        case_id = self.open_case()
        for path, body, field in (
            (f"/cases/{case_id}/activities", {"content": "訪問\x1bした"}, "content"),
            (
                f"/cases/{case_id}/plans",
                self.plan_body(0, long_term_goal="居場所\u202eを持つ"),
                "long_term_goal",
            ),
            (f"/cases/{case_id}/assessments", {"triggers": "中学\x07で"}, "triggers"),
            ("/agencies", {"name": "NPO", "category": "other", "note": "メモ\x1b"}, "note"),
        ):
            with self.subTest(path=path):
                if path.endswith("/activities"):
                    response = self.activity(case_id, **body)
                else:
                    response = self.call("POST", path, self.soudan, body)
                self.assertEqual(response.status_code, 422, response.content)
                self.assertEqual(response.json()["errors"][field], [FREE_TEXT_CONTROL_CHARACTERS])
        self.assertFalse(Activity.objects.exists())
        self.assertFalse(SupportPlan.objects.exists())
        self.assertFalse(Assessment.objects.exists())
        self.assertFalse(Agency.objects.filter(name="NPO").exists())

    def test_line_breaks_and_tabs_are_kept(self) -> None:
        case_id = self.open_case()
        response = self.activity(case_id, content="玄関先で話せた。\n次回は\t来週。")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["content"], "玄関先で話せた。\n次回は\t来週。")


class IntakeRuleTests(SharedRulesTestCase):
    def test_a_consultation_received_in_the_future_is_refused(self) -> None:
        later = (timezone.now() + timedelta(hours=1)).isoformat()
        self.assert_refused(
            self.intake(received_at=later),
            {"received_at": ["受付日時が未来になっています。日付と時刻を確認してください。"]},
        )
        self.assertFalse(Consultation.objects.exists())

    def test_who_consulted_is_required_as_on_the_intake_page(self) -> None:
        self.assert_refused(
            self.intake(consulter_relationship=""),
            {"consulter_relationship": ["家族からの相談では続柄を選んでください。"]},
        )
        self.assert_refused(
            self.intake(consulter_type="agency"),
            {"consulter_agency_id": ["関係機関からの相談では、相談してきた機関を選んでください。"]},
        )
        self.assertFalse(Person.objects.exists())

    def test_an_age_beside_a_known_birth_date_is_refused(self) -> None:
        person_id = self.intake().json()["person"]["id"]
        response = self.intake(new_person=None, person_id=person_id, age_at_contact=40)
        self.assertEqual(response.status_code, 422)
        self.assertIn("年齢は自動で計算します", response.json()["errors"]["age_at_contact"][0])
        self.assertEqual(Consultation.objects.count(), 1)

    def test_the_consulters_relationship_is_kept_only_for_a_family_member(self) -> None:
        response = self.intake(consulter_type="person", consulter_relationship="mother")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["consulter_relationship"], "")
