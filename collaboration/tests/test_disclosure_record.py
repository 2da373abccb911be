from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.consent.services import consent_record
from collaboration.models import Meeting
from collaboration.referrals.services import referral_create
from collaboration.sharing.access import (
    BASIS_CONSENT,
    BASIS_MEETING,
    BASIS_REFERRAL,
    Basis,
    audit_disclosure,
    disclosure_subject,
)
from collaboration.sharing.disclosures import disclosure_record
from collaboration.tests.test_consent_form_pdf import pdf_text, squeezed
from collaboration.tests.test_consent_service import consent_values
from people.models import Person
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


class DisclosureRecordTests(BaseTestCase):
    """Three disclosures of 高橋 健太, one on each legal basis, to two other organisations."""

    def setUp(self) -> None:
        self.person = make_person(self.window, "高橋", "健太")
        self.case = open_case(self.soudan, self.person)
        self.centre = self.world.staff["centre"]
        self.consent = consent_record(case=self.case, by=self.soudan, **consent_values())
        agency = make_agency(self.soudan)
        self.referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.person.pk,
            agency_id=agency.pk,
            purpose="父親の介護保険の申請",
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )
        self.meeting = Meeting.objects.create(
            organisation=self.window,
            kind=Meeting.Kind.SUPPORT_MEETING,
            title="6月の支援会議",
            held_at=timezone.now() - timedelta(days=2),
            minutes="",
            created_by=self.soudan,
        )
        audit_disclosure(
            self.houkatsu,
            basis=Basis(BASIS_CONSENT, self.consent.pk, frozenset({"basic", "consultation"}), True),
            obj=self.case,
            person_id=self.person.pk,
        )
        audit_disclosure(
            self.houkatsu,
            basis=Basis(BASIS_REFERRAL, self.referral.pk, frozenset({"basic"}), True),
            obj=self.case,
            person_id=self.person.pk,
        )
        audit_disclosure(
            self.centre,
            basis=Basis(BASIS_MEETING, self.meeting.pk, frozenset({"family"}), False),
            obj=self.case,
            person_id=self.person.pk,
        )
        self.today = wareki(timezone.localdate())
        self.consent_basis = f"本人の同意 #{self.consent.pk}（同意日 {self.today}）"
        self.referral_basis = f"つなぎの受入 #{self.referral.pk}（つないだ日 {self.today}）"
        self.meeting_basis = (
            f"支援会議 #{self.meeting.pk}（{wareki(days_ago(2))}開催）"
            " — 社会福祉法第106条の6／生活困窮者自立支援法第9条"
        )

    def test_the_record_lists_every_disclosure_with_its_basis(self) -> None:
        rows = disclosure_record(self.person)
        self.assertEqual(
            [(row.organisation, row.staff, row.info_kinds, row.basis) for row in rows],
            [
                (
                    "つなぐ市中央地域包括支援センター",
                    "包括 和子",
                    ["基本情報", "相談内容"],
                    self.consent_basis,
                ),
                (
                    "つなぐ市中央地域包括支援センター",
                    "包括 和子",
                    ["基本情報"],
                    self.referral_basis,
                ),
                (
                    "つなぐ県ひきこもり地域支援センター",
                    "専門 慎一",
                    ["家族の情報"],
                    self.meeting_basis,
                ),
            ],
        )
        self.assertEqual([row.identity for row in rows], [True, True, False])
        self.assertEqual(rows[0].record, f"ケース #{self.case.pk}")

    def test_another_persons_disclosures_are_not_in_the_record(self) -> None:
        other = make_person(self.window, "佐藤", "次郎")
        self.assertEqual(disclosure_record(other), [])

    def test_a_record_merged_into_the_person_brings_its_disclosures(self) -> None:
        kept = make_person(self.window, "高橋", "健太")
        Person.objects.filter(pk=self.person.pk).update(merged_into=kept)
        self.assertEqual(len(disclosure_record(kept)), 3)

    def test_the_page_shows_every_row_and_its_basis_and_is_audited(self) -> None:
        self.login(self.douryou)
        response = self.client.get(f"/persons/{self.person.pk}/disclosures/")
        self.assertEqual(response.status_code, 200)
        for text in (
            "開示記録",
            "3件",
            "つなぐ市中央地域包括支援センター",
            "包括 和子",
            "つなぐ県ひきこもり地域支援センター",
            "専門 慎一",
            "基本情報、相談内容",
            "家族の情報（氏名等は伏せて）",
            self.consent_basis,
            self.referral_basis,
            self.meeting_basis,
            self.today,
        ):
            self.assertContains(response, text)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, actor=self.douryou)
        self.assertEqual((row.object_type, row.object_id), ("people.person", str(self.person.pk)))
        self.assertEqual(row.detail["fields"], ["disclosure_record"])

    def test_the_pdf_has_every_row_and_its_basis_and_is_audited_as_an_export(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/persons/{self.person.pk}/disclosures.pdf")
        self.assertEqual(response["Content-Type"], "application/pdf")
        text = pdf_text(response.content)
        for expected in (
            "個人情報の開示記録",
            "高橋健太",
            "開示の一覧(3件)",
            "つなぐ市中央地域包括支援センター",
            "包括和子",
            "専門慎一",
            "基本情報、相談内容",
            "家族の情報",
            self.consent_basis,
            self.referral_basis,
            self.meeting_basis,
        ):
            self.assertIn(squeezed(expected), text)
        (row,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual((row.object_type, row.object_id), ("people.person", str(self.person.pk)))
        self.assertEqual(row.detail["document"], "disclosure_record")

    def test_a_person_with_no_disclosures_is_told_so(self) -> None:
        other = make_person(self.window, "佐藤", "次郎")
        self.login(self.soudan)
        response = self.client.get(f"/persons/{other.pk}/disclosures/")
        self.assertContains(response, "他の機関への開示はまだありません。")


class DisclosureThroughTheSharedCaseTests(BaseTestCase):
    """A partner on the case team opens the shared case page under the consent; it is recorded."""

    def test_a_view_of_the_shared_case_appears_in_the_record(self) -> None:
        person = make_person(self.window, "高橋", "健太")
        case = open_case(self.soudan, person)
        case.team.add(self.houkatsu)
        consent = consent_record(case=case, by=self.soudan, **consent_values())
        self.login(self.houkatsu)
        self.assertEqual(self.client.get(f"/shared/cases/{case.pk}/").status_code, 200)
        rows = self.audit_rows(
            action=AuditEvent.Action.DISCLOSE, subject=disclosure_subject(person.pk)
        )
        self.assertEqual([row.detail["basis_id"] for row in rows], [consent.pk])
        self.login(self.soudan)
        page = self.client.get(f"/persons/{person.pk}/disclosures/")
        self.assertContains(page, f"本人の同意 #{consent.pk}")
        self.assertContains(page, "包括 和子")
