import io
import unicodedata

from pypdf import PdfReader

from audit.models import AuditEvent
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.models import AgencyCategory
from collaboration.referrals.services import referral_create
from tsunagu.test import BaseTestCase


def pdf_text(content: bytes) -> str:
    """The PDF's text as a reader would copy it (NFKC: the font's CJK compatibility forms)."""
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return unicodedata.normalize("NFKC", text).replace(" ", "").replace("\n", "")


def squeezed(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "")


class ConsentFormPdfTests(BaseTestCase):
    def setUp(self) -> None:
        person = make_person(self.window, "高橋", "健太")
        self.case = open_case(self.soudan, person)
        self.case.team.add(self.houkatsu)
        agency = make_agency(
            self.soudan, "つなぐ市自立相談支援センター", AgencyCategory.SELF_RELIANCE_OFFICE
        )
        referral_create(
            organisation_id=self.window.pk,
            person_id=person.pk,
            agency_id=agency.pk,
            purpose="就労準備支援",
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )
        self.url = f"/cases/{self.case.pk}/consent-form.pdf"

    def test_the_form_renders_in_japanese_with_the_case_candidates(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertIn("attachment;", response["Content-Disposition"])
        text = pdf_text(response.content)
        for expected in (
            "個人情報の共有に関する同意書",
            "高橋健太",
            "つなぐ市ひきこもり相談窓口",
            "つなぐ市中央地域包括支援センター",
            "つなぐ市自立相談支援センター(自立相談支援事業実施機関)",
            "基本情報",
            "相談内容",
            "健康・障害(要配慮個人情報)",
            "家族の情報",
            "重層的支援会議",
            "いつでも撤回できます",
            "本人の署名",
            "保護者・成年後見人等の署名",
            "説明者",
            squeezed("相談 花子"),
        ):
            self.assertIn(squeezed(expected), text)

    def test_the_japanese_font_is_embedded(self) -> None:
        self.login(self.soudan)
        reader = PdfReader(io.BytesIO(self.client.get(self.url).content))
        fonts = {
            str(font["/BaseFont"])
            for page in reader.pages
            for font in page["/Resources"]["/Font"].values()  # type: ignore[index]
            if "/BaseFont" in font.get_object()
        }
        self.assertTrue(any("IPAex" in name for name in fonts), fonts)

    def test_the_download_is_audited_as_an_export(self) -> None:
        self.login(self.douryou)
        self.client.get(self.url)
        (row,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual((row.actor, row.object_type), (self.douryou, "cases.case"))
        self.assertEqual(row.object_id, str(self.case.pk))
        self.assertEqual(row.detail["document"], "consent_form")

    def test_a_restricted_person_is_printed_by_the_team_only(self) -> None:
        person = make_person(self.window, "秘密", "花子", is_restricted=True)
        person.team.add(self.soudan)
        case = open_case(self.soudan, person)
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/cases/{case.pk}/consent-form.pdf").status_code, 403)
        self.assertFalse(self.audit_rows(action=AuditEvent.Action.EXPORT))
        self.login(self.soudan)
        response = self.client.get(f"/cases/{case.pk}/consent-form.pdf")
        self.assertIn("秘密花子", pdf_text(response.content))
