from datetime import timedelta
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Assessment
from cases.services import ASSESSED_IN_FUTURE, SINCE_MONTH_WITHOUT_YEAR, assessment_add
from cases.tests.helpers import open_case
from tsunagu.test import BaseTestCase


def assessment_form_data(**overrides: Any) -> dict[str, Any]:
    """Everything the assessment form posts, as a worker fills it after a first home visit."""
    data: dict[str, Any] = {
        "assessed_on": "2025-05-01",
        "outing_level": "neighbourhood",
        "state_since_year": "2019",
        "state_since_month": "4",
        "since_is_approximate": "on",
        "age_at_onset": "17",
        "triggers": "高校2年のときのいじめ。\n大学を中退してから外出が減った。",
        "medical_flags": ["mood"],
        "medical_history": "中学生のころ心療内科に通院",
        "strengths": "料理が得意。猫の世話をしている。",
        "wishes_person": "今はそっとしておいてほしい",
        "wishes_family": "いつか働いてほしい",
        "guideline_stage": "encounter",
        "self_reliance_stage": "",
    }
    for domain in (
        "welfare",
        "care",
        "health",
        "housing",
        "work",
        "education",
        "finances",
        "isolation",
        "family",
    ):
        data[f"domain_{domain}"] = ""
    data.update({"domain_isolation": "issue", "domain_family": "watch", "domain_care": "issue"})
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


class AssessmentPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.url = f"/cases/{self.case.pk}/assessments/new/"

    def test_the_form_has_the_nine_life_domains_and_the_medical_flags(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        for label in ("福祉", "介護", "保健医療", "住まい", "就労", "教育", "家計", "孤立"):
            self.assertContains(response, f">{label}</label>")
        self.assertContains(response, "家族関係")
        self.assertContains(response, "気分障害の可能性")
        self.assertContains(response, "統合失調症の可能性")
        self.assertContains(response, "発達障害の可能性")
        self.assertContains(response, "診断ではありません")
        self.assertContains(response, "最初のアセスメントです")

    def test_saving_adds_the_first_version_with_every_field(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, assessment_form_data())
        self.assertRedirects(response, f"/cases/{self.case.pk}/")
        assessment = Assessment.objects.get(case=self.case)
        self.assertEqual(assessment.number, 1)
        self.assertEqual(str(assessment.assessed_on), "2025-05-01")
        self.assertEqual((assessment.state_since_year, assessment.state_since_month), (2019, 4))
        self.assertTrue(assessment.since_is_approximate)
        self.assertEqual(assessment.age_at_onset, 17)
        self.assertEqual(assessment.medical_flags, ["mood"])
        self.assertEqual(assessment.medical_history, "中学生のころ心療内科に通院")
        self.assertEqual(
            assessment.life_domains, {"care": "issue", "isolation": "issue", "family": "watch"}
        )
        self.assertEqual(assessment.wishes_person, "今はそっとしておいてほしい")
        self.assertEqual(assessment.wishes_family, "いつか働いてほしい")
        page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(page, "要医療連携")
        self.assertContains(page, "今はそっとしておいてほしい")

    def test_a_new_version_starts_from_the_previous_one_which_stays_viewable(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, assessment_form_data())
        form = self.client.get(self.url).context["form"]
        self.assertEqual(form.initial["outing_level"], "neighbourhood")
        self.assertEqual(form.initial["medical_flags"], ["mood"])
        self.assertEqual(form.initial["domain_isolation"], "issue")
        self.client.post(
            self.url,
            assessment_form_data(
                assessed_on="2025-11-01", outing_level="hobby_only", domain_isolation="watch"
            ),
        )
        first, second = Assessment.objects.filter(case=self.case).order_by("number")
        self.assertEqual((first.outing_level, second.outing_level), ("neighbourhood", "hobby_only"))
        response = self.client.get(f"/cases/{self.case.pk}/assessments/1/")
        self.assertContains(response, "近所のコンビニなどには出かける")
        self.assertContains(response, "令和7年5月1日")
        page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(page, "趣味の用事のときだけ外出する")
        self.assertContains(page, f'href="/cases/{self.case.pk}/assessments/1/"')

    def test_a_state_that_began_this_month_and_no_employment_goal_are_accepted(self) -> None:
        today = timezone.localdate()
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            assessment_form_data(
                assessed_on=today.isoformat(),
                state_since_year=str(today.year),
                state_since_month=str(today.month),
                self_reliance_stage="",
                domain_work="",
                medical_flags=[],
            ),
        )
        self.assertRedirects(response, f"/cases/{self.case.pk}/")
        self.assertFalse(Assessment.objects.get(case=self.case).medical_flags)

    def test_a_state_since_a_future_month_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url, assessment_form_data(state_since_year=str(timezone.localdate().year + 1))
        )
        self.assertContains(response, "いつからが未来の時期になっています。")
        self.assertFalse(Assessment.objects.filter(case=self.case).exists())

    def test_an_assessment_dated_in_the_future_is_refused(self) -> None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.login(self.soudan)
        response = self.client.post(
            self.url, assessment_form_data(assessed_on=tomorrow.isoformat())
        )
        self.assertEqual(response.context["form"].errors["assessed_on"], [ASSESSED_IN_FUTURE])
        self.assertContains(response, ASSESSED_IN_FUTURE)
        self.assertFalse(Assessment.objects.filter(case=self.case).exists())

    def test_a_month_without_its_year_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, assessment_form_data(state_since_year=""))
        self.assertEqual(
            response.context["form"].errors["state_since_year"], [SINCE_MONTH_WITHOUT_YEAR]
        )
        self.assertFalse(Assessment.objects.filter(case=self.case).exists())

    def test_a_colleague_off_the_team_adds_a_version_without_seeing_the_sensitive_fields(
        self,
    ) -> None:
        assessment_add(
            case=self.case,
            data={"medical_flags": ["schizophrenia"], "medical_history": "精神科に入院歴"},
            by=self.soudan,
        )
        self.login(self.douryou)
        response = self.client.get(self.url)
        self.assertContains(response, "（要配慮個人情報：担当チームのみ）")
        self.assertNotContains(response, "統合失調症の可能性")
        self.assertNotContains(response, "精神科に入院歴")
        data = assessment_form_data(medical_flags=["mood"], medical_history="書き換え")
        self.client.post(self.url, data)
        latest = Assessment.objects.get(case=self.case, number=2)
        self.assertEqual(latest.medical_flags, ["schizophrenia"])
        self.assertEqual(latest.medical_history, "精神科に入院歴")
        sensitive_reads = [
            row
            for row in self.audit_rows(action=AuditEvent.Action.READ, actor=self.douryou)
            if row.detail.get("sensitive")
        ]
        self.assertEqual(sensitive_reads, [])

    def test_opening_the_form_prefilled_with_sensitive_fields_is_audited(self) -> None:
        assessment_add(case=self.case, data={"medical_flags": ["mood"]}, by=self.soudan)
        self.login(self.soudan)
        self.client.get(self.url)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.assessment")
        self.assertEqual(row.detail["fields"], ["medical_flags", "medical_history"])

    def test_another_town_gets_404_and_the_statistics_clerk_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.login(self.toukei)
        self.assertEqual(self.client.post(self.url, assessment_form_data()).status_code, 403)
        self.assertFalse(Assessment.objects.filter(case=self.case).exists())

    def test_a_version_that_does_not_exist_is_404(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get(f"/cases/{self.case.pk}/assessments/9/").status_code, 404)
