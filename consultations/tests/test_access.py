"""Who may record and read consultations: other offices 404, missing rights 403, all audited."""

from audit.models import AuditEvent
from consultations.models import Consultation
from consultations.tests.factories import record
from consultations.tests.helpers import intake_data
from people.models import Person
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase


class ConsultationAccessTests(BaseTestCase):
    person: Person
    consultation: Consultation

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.person = make_person(cls.window, "山田", "健太", "ヤマダ", "ケンタ")
        cls.consultation = record(cls.soudan, cls.person, content="息子が自室から出てこない。")

    def test_a_colleague_of_the_same_office_reads_the_consultation(self) -> None:
        self.login(self.douryou)
        response = self.client.get(f"/consultations/{self.consultation.pk}/")
        self.assertContains(response, "山田 健太")
        self.assertContains(response, "息子が自室から出てこない。")
        self.assertContains(response, "情報提供・助言のみ")

    def test_the_read_is_audited_with_field_names(self) -> None:
        self.login(self.douryou)
        self.client.get(f"/consultations/{self.consultation.pk}/")
        (row,) = self.audit_rows(
            action=AuditEvent.Action.READ, object_type="consultations.consultation"
        )
        self.assertEqual(row.object_id, str(self.consultation.pk))
        self.assertIn("content", row.detail["fields"])
        self.assertNotIn("自室", row.canonical())

    def test_another_town_and_a_partner_agency_get_404(self) -> None:
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(f"/consultations/{self.consultation.pk}/")
                self.assertContains(response, "ページが見つかりません", status_code=404)
                self.assertNotContains(response, "山田", status_code=404)
        rows = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual([row.detail for row in rows], [{"reason": "out_of_scope"}] * 2)

    def test_the_statistics_clerk_and_the_administrator_get_403(self) -> None:
        pages = [
            "/consultations/",
            "/consultations/new/",
            f"/consultations/{self.consultation.pk}/",
            "/consultations/persons/?person_q=山田",
        ]
        for user in (self.toukei, self.admin):
            self.login(user)
            for page in pages:
                with self.subTest(user=user.username, page=page):
                    response = self.client.get(page)
                    self.assertEqual(response.status_code, 403)
                    self.assertNotContains(response, "山田", status_code=403)

    def test_the_statistics_clerk_cannot_record_or_save_a_draft(self) -> None:
        self.login(self.toukei)
        before = Consultation.objects.count()
        self.assertEqual(self.client.post("/consultations/new/", intake_data()).status_code, 403)
        response = self.client.post("/consultations/drafts/save/", intake_data())
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Consultation.objects.count(), before)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual([row.detail["right"] for row in denied], ["edit_personal_data"] * 2)

    def test_another_towns_worker_does_not_see_the_consultation_in_their_day(self) -> None:
        self.login(self.minato)
        response = self.client.get("/consultations/")
        self.assertEqual(response.context["consultations"], [])
        self.assertNotContains(response, "山田")

    def test_a_restricted_person_shows_as_a_number_to_workers_outside_the_team(self) -> None:
        restricted = make_person(
            self.window,
            "高橋",
            "花子",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        consultation = record(self.soudan, restricted, disposition="continue")
        self.login(self.douryou)
        for page in ("/consultations/", f"/consultations/{consultation.pk}/"):
            with self.subTest(page=page):
                response = self.client.get(page)
                self.assertContains(response, f"制限対象者 #{restricted.pk}")
                self.assertNotContains(response, "高橋")
        self.login(self.soudan)
        self.assertContains(self.client.get("/consultations/"), "高橋 花子")

    def test_the_person_search_finds_own_office_persons_only_and_is_audited(self) -> None:
        make_person(self.minato_window, "山田", "三郎", "ヤマダ", "サブロウ")
        self.login(self.soudan)
        response = self.client.get("/consultations/persons/", {"person_q": "やまだ"})
        self.assertContains(response, "山田 健太")
        self.assertContains(response, f'name="person" value="{self.person.pk}"')
        self.assertNotContains(response, "山田 三郎")
        self.assertNotContains(response, "<html")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertEqual(row.detail["ids"], [self.person.pk])

    def test_the_person_search_says_when_nobody_is_found(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/consultations/persons/", {"person_q": "存在しない名前"})
        self.assertContains(response, "見つかりませんでした")
        self.assertContains(response, "仮名で登録する")
