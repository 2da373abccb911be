"""Correcting a consultation (訂正): its content with a reason, the previous version kept and
shown, the disposition and what it opened unchanged, nothing deleted."""

from datetime import date, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from audit.models import AuditEvent, PreviousVersion
from cases.models import Case
from consultations.models import Consultation
from consultations.services import (
    FAMILY_WITHOUT_RELATIONSHIP,
    NOT_CORRECTABLE,
    consultation_correct,
)
from consultations.tests.factories import record
from people.tests.helpers import make_person
from tsunagu.fields import is_token
from tsunagu.test import BaseTestCase


def local_minute(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


class ConsultationCorrectionTests(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.window, "高橋", "健太")
        self.received_at = (timezone.now() - timedelta(days=2)).replace(second=0, microsecond=0)
        self.consultation = record(
            self.soudan,
            self.person,
            self.received_at,
            disposition="continue",
            content="母親から電話。息子が3年外出していない。",
            age_at_contact=28,
        )
        self.url = f"/consultations/{self.consultation.pk}/correct/"
        self.versions_url = f"/consultations/{self.consultation.pk}/versions/"

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "received_at": local_minute(self.received_at),
            "channel": "phone",
            "consulter_type": "family",
            "consulter_relationship": "mother",
            "consulter_name": "",
            "age_at_contact": "28",
            "categories": ["hikikomori"],
            "main_concern": "hikikomori",
            "content": "母親から電話。息子が3年外出していない。",
            "urgency": "normal",
            "version": "1",
            "reason": "相談者の続柄を取り違えた",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    def test_the_form_is_prefilled_without_the_person_and_the_disposition(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        form = response.context["form"]
        self.assertEqual(form.initial["content"], "母親から電話。息子が3年外出していない。")
        self.assertEqual(form.initial["version"], 1)
        self.assertNotIn("disposition", form.fields)
        self.assertNotIn("person", form.fields)
        self.assertContains(response, "訂正の理由")

    def test_a_correction_keeps_the_previous_version_and_shows_it(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url, self.form_data(consulter_relationship="father", urgency="soon")
        )
        self.assertRedirects(response, self.versions_url)
        saved = Consultation.objects.get(pk=self.consultation.pk)
        self.assertEqual((saved.consulter_relationship, saved.version), ("father", 2))
        (kept,) = PreviousVersion.objects.all()
        self.assertEqual(
            kept.changes,
            {"consulter_relationship": ["mother", "father"], "urgency": ["normal", "soon"]},
        )
        page = self.client.get(self.versions_url)
        self.assertContains(page, "第1版からの訂正")
        self.assertContains(page, "相談者の続柄を取り違えた")
        self.assertContains(page, "早めに対応")
        detail = self.client.get(f"/consultations/{self.consultation.pk}/")
        self.assertContains(detail, "訂正あり")
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE,
            object_type="consultations.consultation",
            object_id=str(self.consultation.pk),
        )
        self.assertEqual(row.detail["previous_version"], kept.pk)
        self.assertEqual(row.detail["fields"], ["consulter_relationship", "urgency"])

    def test_the_old_content_is_encrypted_at_rest(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="父親から電話。"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT changes, reason FROM audit_previousversion")
            changes, reason = cursor.fetchone()
        self.assertTrue(is_token(changes) and is_token(reason))
        self.assertNotIn("外出", changes)

    def test_the_disposition_and_the_case_it_opened_stay(self) -> None:
        case_id = self.consultation.case_id
        self.assertIsNotNone(case_id)
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(disposition="information", content="訂正"))
        saved = Consultation.objects.get(pk=self.consultation.pk)
        self.assertEqual((saved.disposition, saved.case_id), ("continue", case_id))
        self.assertTrue(Case.objects.filter(pk=case_id).exists())
        with self.assertRaises(Exception) as raised:
            consultation_correct(
                consultation=saved,
                data={"disposition": "information"},
                version=2,
                reason="対応を変えたい",
                by=self.soudan,
            )
        self.assertIn(NOT_CORRECTABLE.format(fields="disposition"), str(raised.exception))

    def test_the_rules_of_intake_refuse_a_correction(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(consulter_relationship=""))
        self.assertContains(response, FAMILY_WITHOUT_RELATIONSHIP)
        future = timezone.now() + timedelta(days=1)
        response = self.client.post(self.url, self.form_data(received_at=local_minute(future)))
        self.assertContains(response, "受付日時が未来になっています。")
        self.assertEqual(Consultation.objects.get(pk=self.consultation.pk).version, 1)
        self.assertFalse(PreviousVersion.objects.exists())

    def test_the_reason_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(reason="", urgency="urgent"))
        self.assertContains(response, "訂正の理由を入力してください。")
        self.assertEqual(Consultation.objects.get(pk=self.consultation.pk).urgency, "normal")

    def test_a_consulter_corrected_to_the_person_drops_the_relationship(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(consulter_type="person"))
        saved = Consultation.objects.get(pk=self.consultation.pk)
        self.assertEqual((saved.consulter_type, saved.consulter_relationship), ("person", ""))

    def test_a_corrected_day_recomputes_the_age_from_the_birth_date(self) -> None:
        born = make_person(self.window, "山田", "花子", birth_date=date(2000, 1, 1))
        consultation = record(self.soudan, born, self.received_at)
        self.login(self.soudan)
        url = f"/consultations/{consultation.pk}/correct/"
        form = self.client.get(url).context["form"]
        self.assertNotIn("age_at_contact", form.fields)
        earlier = timezone.make_aware(timezone.datetime(2020, 6, 1, 10, 0))
        data = self.form_data(received_at=local_minute(earlier), age_at_contact=None)
        self.assertRedirects(
            self.client.post(url, data), f"/consultations/{consultation.pk}/versions/"
        )
        self.assertEqual(Consultation.objects.get(pk=consultation.pk).age_at_contact, 20)

    def test_a_stale_version_is_refused_with_both_versions_shown(self) -> None:
        self.login(self.douryou)
        self.client.post(self.url, self.form_data(content="同僚が先に訂正した内容"))
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(content="わたしの訂正"))
        self.assertContains(response, "ほかの人が先にこの相談を訂正しました。")
        self.assertContains(response, "同僚が先に訂正した内容")
        self.assertContains(response, "わたしの訂正")
        self.assertEqual(response.context["form"]["version"].value(), "2")
        saved = Consultation.objects.get(pk=self.consultation.pk)
        self.assertEqual(saved.content, "同僚が先に訂正した内容")

    def test_nothing_is_deleted_by_corrections(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="一度目"))
        self.client.post(self.url, self.form_data(content="二度目", version="2"))
        self.assertEqual(Consultation.objects.filter(pk=self.consultation.pk).count(), 1)
        versions = PreviousVersion.objects.order_by("version").values_list("version", flat=True)
        self.assertEqual(list(versions), [1, 2])

    def test_another_organisation_gets_404(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)
        self.assertEqual(self.client.get(self.versions_url).status_code, 404)

    def test_the_auditor_gets_403_and_changes_nothing(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(
            self.client.post(self.url, self.form_data(urgency="urgent")).status_code, 403
        )
        self.assertEqual(self.client.get(self.versions_url).status_code, 403)
        self.assertEqual(Consultation.objects.get(pk=self.consultation.pk).version, 1)

    def test_a_restricted_persons_identifying_fields_are_not_offered_off_the_team(self) -> None:
        hidden = make_person(self.window, "秘匿", "太郎", is_restricted=True)
        consultation = record(self.soudan, hidden, self.received_at, consulter_name="秘匿 花子")
        self.login(self.douryou)
        response = self.client.get(f"/consultations/{consultation.pk}/correct/")
        self.assertNotIn("consulter_name", response.context["form"].fields)
        self.assertNotContains(response, "秘匿 花子")
        data = self.form_data(urgency="urgent", consulter_name="書き換え")
        self.client.post(f"/consultations/{consultation.pk}/correct/", data)
        saved = Consultation.objects.get(pk=consultation.pk)
        self.assertEqual((saved.urgency, saved.consulter_name), ("urgent", "秘匿 花子"))

    def test_saving_the_same_values_corrects_nothing_and_says_so(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(), follow=True)
        self.assertContains(response, "内容が今の版と同じだったので、訂正していません")
        self.assertEqual(Consultation.objects.get(pk=self.consultation.pk).version, 1)
        self.assertFalse(PreviousVersion.objects.exists())
