"""The printed case summary, support plan and assessment sheet (A4 PDFs, IPAex, 和暦)."""

import io

from pypdf import PdfReader

from audit.models import AuditEvent
from cases.models import Activity
from cases.services import assessment_add, case_close, plan_save
from cases.tests.helpers import days_ago, make_person, open_case
from collaboration.tests.test_consent_form_pdf import pdf_text, squeezed
from tsunagu.templatetags.japanese_dates import wareki
from tsunagu.test import BaseTestCase


def embedded_fonts(content: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(content))
    return {
        str(font["/BaseFont"])
        for page in reader.pages
        for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
        if "/BaseFont" in font.get_object()
    }


class PrintTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan, make_person(self.window, "高橋", "健太"))
        self.summary_url = f"/cases/{self.case.pk}/summary.pdf"
        self.plan_url = f"/cases/{self.case.pk}/plan/1.pdf"
        self.assessment_url = f"/cases/{self.case.pk}/assessments/1.pdf"

    def get_pdf(self, url: str) -> str:
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("IPAex", "".join(embedded_fonts(response.content)))
        return pdf_text(response.content)

    def assert_printed(self, text: str, *expected: str) -> None:
        for value in expected:
            self.assertIn(squeezed(value), text)


class CaseSummaryPdfTests(PrintTestCase):
    def test_the_summary_shows_the_case_its_history_and_latest_log_in_wareki(self) -> None:
        Activity.objects.create(
            case=self.case,
            kind=Activity.Kind.HOME_VISIT,
            visit_outcome=Activity.VisitOutcome.FAMILY_ONLY,
            content="母親と玄関先で話した",
            next_action="手紙を置く",
            recorded_by=self.soudan,
        )
        case_close(
            case=self.case,
            reason="other",
            note="本人が県外の親族宅へ",
            follow_up_on=None,
            version=self.case.version,
            by=self.soudan,
        )
        self.login(self.soudan)
        text = self.get_pdf(self.summary_url)
        self.assert_printed(
            text,
            "ケース概要",
            "高橋健太",
            "つなぐ市ひきこもり相談窓口",
            "終結の理由:その他",
            "その他:本人が県外の親族宅へ",
            "ケース開始",
            wareki(days_ago(60)),
            "訪問(家族のみ)",
            "母親と玄関先で話した",
            "手紙を置く",
            "個人情報を含みます",
        )
        self.assertNotIn("other", text)

    def test_the_download_is_audited_as_an_export(self) -> None:
        self.login(self.douryou)
        self.get_pdf(self.summary_url)
        (row,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual((row.actor, row.object_type), (self.douryou, "cases.case"))
        self.assertEqual(row.detail["document"], "case_summary")

    def test_other_organisations_get_404_and_clerks_403(self) -> None:
        for user, status in (
            (self.houkatsu, 404),
            (self.minato, 404),
            (self.toukei, 403),
            (self.kansa, 403),
            (self.admin, 403),
        ):
            self.login(user)
            self.assertEqual(self.client.get(self.summary_url).status_code, status, user)
        self.assertFalse(self.audit_rows(action=AuditEvent.Action.EXPORT))

    def test_a_restricted_person_is_printed_without_the_name_for_a_colleague(self) -> None:
        person = make_person(self.window, "秘密", "花子", is_restricted=True)
        person.team.add(self.soudan)
        case = open_case(self.soudan, person, title="秘密花子さんの支援")
        self.login(self.douryou)
        response = self.client.get(f"/cases/{case.pk}/summary.pdf")
        text = pdf_text(response.content)
        self.assertNotIn("秘密", text)
        self.assert_printed(text, f"制限対象者#{person.pk}")
        self.login(self.soudan)
        self.assertIn(
            "秘密花子", pdf_text(self.client.get(f"/cases/{case.pk}/summary.pdf").content)
        )


class SupportPlanPdfTests(PrintTestCase):
    def setUp(self) -> None:
        super().setUp()
        plan_save(
            case=self.case,
            data={
                "long_term_goal": "自分のペースで外出できるようになる",
                "short_term_goals": "週1回、電話で話す",
                "services": "居場所ひだまり",
                "review_on": days_ago(-90),
                "approved_on": days_ago(3),
                "approval_meeting": "第3回支援調整会議",
            },
            actions=[{"description": "週1回の電話", "responsible_worker_id": self.soudan.pk}],
            based_on=0,
            by=self.soudan,
        )

    def test_the_plan_has_goals_actions_approval_and_both_signature_lines(self) -> None:
        self.login(self.soudan)
        text = self.get_pdf(self.plan_url)
        self.assert_printed(
            text,
            "支援プラン(第1版)",
            "高橋健太",
            "自分のペースで外出できるようになる",
            "週1回、電話で話す",
            "居場所ひだまり",
            "週1回の電話",
            "相談 花子",
            "見直し日" + wareki(days_ago(-90)),
            wareki(days_ago(3)) + "第3回支援調整会議にて承認",
            "本人の署名",
            "担当職員の署名",
        )
        (row,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual(
            (row.object_type, row.detail["document"]), ("cases.supportplan", "support_plan")
        )

    def test_an_unapproved_plan_says_so(self) -> None:
        plan_save(
            case=self.case,
            data={"long_term_goal": "目標", "short_term_goals": "短期", "review_on": days_ago(-30)},
            actions=[],
            based_on=1,
            by=self.soudan,
        )
        self.login(self.soudan)
        self.assert_printed(self.get_pdf(f"/cases/{self.case.pk}/plan/2.pdf"), "未承認")

    def test_a_missing_version_is_404_and_other_organisations_see_nothing(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get(f"/cases/{self.case.pk}/plan/9.pdf").status_code, 404)
        for user, status in ((self.houkatsu, 404), (self.minato, 404), (self.toukei, 403)):
            self.login(user)
            self.assertEqual(self.client.get(self.plan_url).status_code, status, user)

    def test_the_plan_page_links_to_its_print(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/cases/{self.case.pk}/plan/1/")
        self.assertContains(response, f'href="{self.plan_url}"')
        response = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(response, f'href="{self.plan_url}"')
        self.assertContains(response, f'href="{self.summary_url}"')


class AssessmentSheetPdfTests(PrintTestCase):
    def setUp(self) -> None:
        super().setUp()
        assessment_add(
            case=self.case,
            data={
                "assessed_on": days_ago(10),
                "outing_level": "home_only",
                "triggers": "職場での人間関係",
                "medical_flags": ["mood"],
                "medical_history": "心療内科に通院歴",
                "life_domains": {"health": "issue", "family": "watch"},
                "wishes_person": "静かに過ごしたい",
            },
            by=self.soudan,
        )

    def test_the_lead_worker_sees_the_sensitive_fields_and_the_view_is_audited(self) -> None:
        self.login(self.soudan)
        text = self.get_pdf(self.assessment_url)
        self.assert_printed(
            text,
            "アセスメントシート(第1版)",
            wareki(days_ago(10)),
            "自室からは出るが、家からは出ない",
            "職場での人間関係",
            "気分障害の可能性",
            "心療内科に通院歴",
            "保健医療課題あり",
            "家族関係見守り",
            "静かに過ごしたい",
        )
        (read,) = [
            row
            for row in self.audit_rows(action=AuditEvent.Action.READ, actor=self.soudan)
            if row.detail.get("sensitive")
        ]
        self.assertEqual(read.detail["fields"], ["medical_flags", "medical_history"])
        (export,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual(export.detail["document"], "assessment_sheet")

    def test_a_colleague_off_the_team_gets_the_sheet_without_the_sensitive_fields(self) -> None:
        self.login(self.douryou)
        text = self.get_pdf(self.assessment_url)
        self.assert_printed(text, "職場での人間関係", "(要配慮個人情報:担当チームのみ)")
        self.assertNotIn("気分障害", text)
        self.assertNotIn("心療内科", text)
        self.assertFalse(
            [
                row
                for row in self.audit_rows(action=AuditEvent.Action.READ, actor=self.douryou)
                if row.detail.get("sensitive")
            ]
        )

    def test_other_organisations_get_404(self) -> None:
        for user, status in ((self.houkatsu, 404), (self.minato, 404), (self.kansa, 403)):
            self.login(user)
            self.assertEqual(self.client.get(self.assessment_url).status_code, status, user)

    def test_the_assessment_page_links_to_its_print(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/cases/{self.case.pk}/assessments/1/")
        self.assertContains(response, f'href="{self.assessment_url}"')
