"""Correcting a directory entry (地域資源の訂正): the same rule as adding one, a reason required,
the previous version kept and shown, a stale save refused with both versions."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import LocalGovernment
from audit.models import AuditEvent, PreviousVersion
from audit.services import CORRECTION_REASON_REQUIRED
from collaboration.directory.services import (
    AGENCY_NOT_EDITABLE,
    agency_correct,
)
from collaboration.models import Agency, AgencyCategory
from tsunagu.fields import is_token
from tsunagu.test import BaseTestCase


class AgencyCorrectionTests(BaseTestCase):
    def setUp(self) -> None:
        self.city = LocalGovernment.objects.get(name="つなぐ市")
        self.agency = Agency.objects.create(
            local_government=self.city,
            name="つなぐ市社会福祉協議会",
            category=AgencyCategory.SOCIAL_WELFARE_COUNCIL,
            phone="099-201-1234",
            hours="平日 9:00〜17:00",
        )
        self.url = f"/agencies/{self.agency.pk}/correct/"
        self.versions_url = f"/agencies/{self.agency.pk}/versions/"

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": "つなぐ市社会福祉協議会",
            "category": AgencyCategory.SOCIAL_WELFARE_COUNCIL,
            "address": "",
            "phone": "099-201-1234",
            "hours": "平日 9:00〜17:00",
            "area": "",
            "note": "",
            "organisation": "",
            "version": "1",
            "reason": "電話番号が変わった",
        }
        data.update(overrides)
        return data

    def agency_now(self) -> Agency:
        return Agency.objects.get(pk=self.agency.pk)

    def test_the_list_links_to_the_correction_and_the_form_is_prefilled(self) -> None:
        self.login(self.soudan)
        listing = self.client.get("/agencies/")
        self.assertContains(listing, self.url)
        self.assertNotContains(listing, "訂正あり")
        form = self.client.get(self.url).context["form"]
        self.assertEqual(form.initial["phone"], "099-201-1234")
        self.assertEqual(form.initial["version"], 1)
        self.assertNotIn("local_government", form.fields)

    def test_a_correction_keeps_the_previous_version_and_shows_it(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(phone="099-201-9999"))
        self.assertRedirects(response, self.versions_url)
        agency = self.agency_now()
        self.assertEqual((agency.phone, agency.version), ("099-201-9999", 2))
        (kept,) = PreviousVersion.objects.all()
        self.assertEqual(
            (kept.version, kept.by, kept.reason), (1, self.soudan, "電話番号が変わった")
        )
        self.assertEqual(kept.changes, {"phone": ["099-201-1234", "099-201-9999"]})
        page = self.client.get(self.versions_url)
        self.assertContains(page, "第1版からの訂正")
        self.assertContains(page, "電話番号が変わった")
        self.assertContains(page, "099-201-1234")
        self.assertContains(page, "099-201-9999")
        listing = self.client.get("/agencies/")
        self.assertContains(listing, "訂正あり")
        self.assertContains(listing, self.versions_url)
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE,
            object_type="collaboration.agency",
            object_id=str(self.agency.pk),
        )
        self.assertEqual(row.detail["previous_version"], kept.pk)
        self.assertEqual(row.detail["fields"], ["phone"])

    def test_the_kept_version_is_encrypted_as_every_previous_version(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(note="担当は地域福祉課"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT changes, reason FROM audit_previousversion")
            changes, reason = cursor.fetchone()
        self.assertTrue(is_token(changes) and is_token(reason))

    def test_the_organisation_link_is_not_corrected_by_a_worker(self) -> None:
        """Who receives a referral follows the link: relinking would hand the referrals made to
        the entry to another organisation, so a worker's correction cannot change it."""
        houkatsu = self.world.organisations["houkatsu"]
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(organisation=str(houkatsu.pk)))
        self.assertRedirects(response, self.versions_url)
        self.assertIsNone(self.agency_now().organisation)
        with self.assertRaises(ValidationError) as raised:
            agency_correct(
                agency=self.agency,
                data={"organisation": houkatsu},
                version=self.agency_now().version,
                reason="つなぎ先の誤り",
                by=self.soudan,
            )
        self.assertIn("organisation", str(raised.exception))
        self.assertIsNone(self.agency_now().organisation)

    def test_a_name_already_in_the_directory_is_refused(self) -> None:
        Agency.objects.create(
            local_government=self.city,
            name="ハローワークつなぐ",
            category=AgencyCategory.HELLO_WORK,
        )
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(name="ハローワークつなぐ"))
        self.assertContains(
            response, "「ハローワークつなぐ」はすでにつなぐ市の地域資源に登録されています。"
        )
        self.assertEqual(self.agency_now().name, "つなぐ市社会福祉協議会")

    def test_the_reason_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(reason="", phone="099-201-9999"))
        self.assertContains(response, "訂正の理由を入力してください。")
        self.assertEqual(self.agency_now().phone, "099-201-1234")
        with self.assertRaises(ValidationError) as raised:
            agency_correct(
                agency=self.agency, data={"phone": "x"}, version=1, reason="", by=self.soudan
            )
        self.assertEqual(raised.exception.message_dict["reason"], [CORRECTION_REASON_REQUIRED])

    def test_a_stale_version_is_refused_with_both_versions_shown(self) -> None:
        self.login(self.douryou)
        self.client.post(self.url, self.form_data(hours="平日 8:30〜17:15"))
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(hours="平日 9:00〜16:00"))
        self.assertContains(response, "ほかの人が先にこの機関を訂正しました。")
        self.assertContains(response, "平日 8:30〜17:15")
        self.assertContains(response, "平日 9:00〜16:00")
        self.assertEqual(response.context["form"]["version"].value(), "2")
        self.assertEqual(self.agency_now().hours, "平日 8:30〜17:15")
        again = self.client.post(self.url, self.form_data(hours="平日 9:00〜16:00", version="2"))
        self.assertRedirects(again, self.versions_url)
        self.assertEqual(PreviousVersion.objects.count(), 2)

    def test_a_partner_of_the_city_corrects_as_it_may_add(self) -> None:
        # The same rule as adding an entry: staff who may edit, of the entry's municipality.
        self.login(self.houkatsu)
        response = self.client.post(self.url, self.form_data(area="つなぐ市全域"))
        self.assertRedirects(response, self.versions_url)
        self.assertEqual(self.agency_now().area, "つなぐ市全域")

    def test_another_town_gets_404(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)
        self.assertEqual(self.client.get(self.versions_url).status_code, 404)
        with self.assertRaises(ValidationError) as raised:
            agency_correct(
                agency=self.agency, data={"phone": "x"}, version=1, reason="誤り", by=self.minato
            )
        self.assertEqual(
            raised.exception.messages, [AGENCY_NOT_EDITABLE.format(government="つなぐ市")]
        )

    def test_the_prefectural_centre_corrects_only_the_prefectures_entries(self) -> None:
        centre = self.world.staff["centre"]
        self.login(centre)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        prefectural = Agency.objects.create(
            local_government=LocalGovernment.objects.get(name="つなぐ県"),
            name="つなぐ県発達障害者支援センター",
            category=AgencyCategory.DEVELOPMENTAL_DISABILITY_CENTRE,
        )
        self.assertEqual(self.client.get(f"/agencies/{prefectural.pk}/correct/").status_code, 200)

    def test_the_auditor_gets_403_and_changes_nothing(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url, self.form_data(phone="x")).status_code, 403)
        self.assertEqual(self.client.get(self.versions_url).status_code, 403)
        self.assertEqual(self.agency_now().version, 1)

    def test_the_versions_page_read_is_audited(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(phone="099-201-9999"))
        self.client.get(self.versions_url)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="audit.previousversion")
        self.assertEqual(row.detail["collaboration.agency"], [self.agency.pk])

    def test_saving_the_same_values_corrects_nothing(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(), follow=True)
        self.assertContains(response, "内容が今の版と同じだったので、訂正していません")
        self.assertEqual(self.agency_now().version, 1)
        self.assertFalse(PreviousVersion.objects.exists())
