"""The referral letter (紹介状), an A4 PDF for the sender."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.reauth import AUTHENTICATED_AT_SESSION_KEY
from audit.models import AuditEvent
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.consent.services import consent_record
from collaboration.models import AgencyCategory, Consent, InfoKind
from collaboration.referrals.services import referral_create
from collaboration.tests.test_consent_form_pdf import pdf_text, squeezed
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


class ReferralLetterTests(BaseTestCase):
    def setUp(self) -> None:
        window = self.world.organisations["window"]
        window.address = "つなぐ市本町1-1"
        window.phone = "0120-000-111"
        window.save(update_fields=["address", "phone"])
        self.case = open_case(self.soudan)
        self.agency = make_agency(
            self.soudan,
            address="つなぐ市中央2-3-4",
            phone="0120-222-333",
            organisation=self.world.organisations["houkatsu"],
        )
        self.referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.case.person_id or 0,
            agency_id=self.agency.pk,
            purpose="父親の介護保険の申請",
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )
        self.url = f"/referrals/{self.referral.pk}/letter.pdf"

    def consent(self, **fields: Any) -> Consent:
        today = timezone.localdate()
        values: dict[str, Any] = {
            "case": self.case,
            "given_by": Consent.GivenBy.PERSON,
            "method": Consent.Method.SIGNATURE,
            "purpose": "支援のための連携",
            "organisation_ids": [],
            "agency_categories": [AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
            "info_kinds": [InfoKind.BASIC, InfoKind.CONSULTATION],
            "given_on": today - timedelta(days=3),
            "expires_on": today + timedelta(days=300),
            "by": self.soudan,
        }
        return consent_record(**(values | fields))

    def test_the_letter_names_the_person_purpose_both_offices_and_the_consent(self) -> None:
        consent = self.consent()
        self.login(self.soudan)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment;", response["Content-Disposition"])
        text = pdf_text(response.content)
        for expected in (
            "紹介状",
            "高橋健太",
            "父親の介護保険の申請",
            "つなぐ市中央地域包括支援センター御中",
            "つなぐ市中央2-3-4",
            "0120-222-333",
            "つなぐ市ひきこもり相談窓口",
            "つなぐ市本町1-1",
            "0120-000-111",
            "相談花子",
            "貴機関との共有に同意している情報:基本情報、相談内容",
            f"#{consent.pk}",
            wareki(self.referral.referred_on),
            wareki(consent.expires_on),
        ):
            self.assertIn(squeezed(expected), text)

    def test_without_a_consent_naming_the_agency_the_letter_says_so(self) -> None:
        self.consent(agency_categories=[AgencyCategory.HELLO_WORK])
        self.login(self.soudan)
        text = pdf_text(self.client.get(self.url).content)
        self.assertIn(squeezed("書面などで記録した同意はありません"), text)
        self.assertIn("含まない", text)

    def test_the_download_is_audited_as_an_export(self) -> None:
        self.login(self.soudan)
        self.client.get(self.url)
        [row] = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual(row.object_id, str(self.referral.pk))
        self.assertEqual(row.detail["document"], "referral_letter")

    def test_it_asks_for_a_recent_proof_of_identity(self) -> None:
        self.login(self.soudan)
        session = self.client.session
        session[AUTHENTICATED_AT_SESSION_KEY] = 0  # signed in long ago
        session.save()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertNotEqual(response.get("Content-Type"), "application/pdf")
        self.assertFalse(self.audit_rows(action=AuditEvent.Action.EXPORT))

    def test_the_detail_page_links_to_the_letter(self) -> None:
        self.login(self.soudan)
        self.assertContains(self.client.get(f"/referrals/{self.referral.pk}/"), self.url)

    def test_the_receiver_and_another_town_get_404_a_read_only_login_403(self) -> None:
        for user, status in ((self.houkatsu, 404), (self.minato, 404), (self.kansa, 403)):
            self.login(user)
            self.assertEqual(self.client.get(self.url).status_code, status, user.username)
        self.assertFalse(self.audit_rows(action=AuditEvent.Action.EXPORT))

    def test_a_restricted_persons_letter_is_for_the_team_only(self) -> None:
        person = make_person(self.window, "山田", "花", is_restricted=True)
        case = open_case(self.soudan, person, title="山田さんの支援")
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=person.pk,
            agency_id=self.agency.pk,
            purpose="生活の相談",
            follow_up_on=days_ago(-14),
            case=case,
            by=self.soudan,
        )
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/referrals/{referral.pk}/letter.pdf").status_code, 403)
