from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case
from cases.services import case_open
from cases.tests.helpers import open_case
from collaboration.consent.services import (
    consent_record,
    consent_withdraw,
    consents_for_case,
    default_expiry,
    organisation_choices,
)
from collaboration.models import AgencyCategory, Consent, InfoKind
from collaboration.sharing.access import BASIS_CONSENT, case_sharing_bases, valid_consents
from people.models import Household
from tsunagu.test import BaseTestCase

CONSENT = "collaboration.consent"


def household_case(lead: User) -> Case:
    """A case opened for a household before anyone was met: it has no person."""
    assert lead.organisation is not None
    household = Household.objects.create(organisation=lead.organisation, label="高橋さん世帯")
    return case_open(
        organisation_id=lead.organisation.pk,
        title="高橋さん世帯の支援",
        lead_worker=lead,
        household_id=household.pk,
        by=lead,
    )


def consent_values(**overrides: Any) -> dict[str, Any]:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "given_by": Consent.GivenBy.PERSON,
        "method": Consent.Method.SIGNATURE,
        "purpose": "父親の介護と本人の支援を、地域包括支援センターと一緒に進めるため",
        "organisation_ids": [],
        "agency_categories": [AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
        "info_kinds": [InfoKind.BASIC, InfoKind.CONSULTATION],
        "given_on": today,
        "expires_on": default_expiry(today),
    }
    values.update(overrides)
    return values


class ConsentRecordTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)

    def test_it_records_the_consent_with_an_audit_row_naming_fields_only(self) -> None:
        houkatsu = self.world.organisations["houkatsu"]
        consent = consent_record(
            case=self.case,
            by=self.soudan,
            **consent_values(organisation_ids=[houkatsu.pk], info_kinds=["family", "basic"]),
        )
        self.assertEqual(consent.person_id, self.case.person_id)
        self.assertEqual(consent.organisation, self.window)
        self.assertEqual(list(consent.organisations.all()), [houkatsu])
        self.assertEqual(consent.info_kinds, ["basic", "family"])
        self.assertEqual(consent.state_label(), "有効")
        (row,) = self.audit_rows(
            action=AuditEvent.Action.CREATE, object_type="collaboration.consent"
        )
        self.assertEqual(row.actor, self.soudan)
        self.assertIn("purpose", row.detail["fields"])
        self.assertNotIn("父親の介護", str(row.detail))

    def assert_refused(self, field: str, message: str, **overrides: Any) -> None:
        with self.assertRaises(ValidationError) as raised:
            consent_record(case=self.case, by=self.soudan, **consent_values(**overrides))
        self.assertEqual(raised.exception.message_dict[field], [message])
        self.assertFalse(Consent.objects.exists())

    def test_a_guardian_must_be_named(self) -> None:
        self.assert_refused(
            "guardian_name",
            "保護者・成年後見人等が同意したときは、その人の氏名を入力してください。",
            given_by=Consent.GivenBy.GUARDIAN,
            guardian_name="  ",
        )

    def test_it_needs_somewhere_to_share_and_something_to_share(self) -> None:
        self.assert_refused(
            "organisations",
            "共有先の機関か、共有先の機関の種別を一つ以上選んでください。",
            agency_categories=[],
        )
        self.assert_refused(
            "info_kinds", "共有する情報の種類を一つ以上選んでください。", info_kinds=[]
        )

    def test_a_consent_given_tomorrow_is_refused(self) -> None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.assert_refused(
            "given_on",
            "同意日に未来の日付は入力できません。同意を得た日を入力してください。",
            given_on=tomorrow,
            expires_on=tomorrow + timedelta(days=30),
        )

    def test_the_expiry_must_follow_the_date(self) -> None:
        today = timezone.localdate()
        self.assert_refused(
            "expires_on", "有効期限は同意日より後の日付にしてください。", expires_on=today
        )

    def test_an_organisation_of_another_prefecture_or_the_own_one_is_refused(self) -> None:
        self.assert_refused(
            "organisations",
            "共有先の機関は、同じ都道府県の機関の一覧にあるものから選んでください。",
            organisation_ids=[self.window.pk],
        )

    def test_a_case_without_a_person_is_refused(self) -> None:
        case = household_case(self.soudan)
        with self.assertRaises(ValidationError) as raised:
            consent_record(case=case, by=self.soudan, **consent_values())
        self.assertIn("本人が登録されていません", raised.exception.messages[0])

    def test_the_choices_are_the_organisations_of_the_prefecture_but_the_own(self) -> None:
        names = {org.name for org in organisation_choices(self.case)}
        self.assertEqual(
            names,
            {
                "つなぐ市自立相談支援センター",
                "NPO法人 ひだまり",
                "つなぐ市中央地域包括支援センター",
                "つなぐ県ひきこもり地域支援センター",
                "みなと町 ひきこもり相談窓口",
            },
        )

    def test_the_default_expiry_is_one_year(self) -> None:
        self.assertEqual(default_expiry(date(2025, 4, 1)), date(2026, 3, 31))
        self.assertEqual(default_expiry(date(2024, 2, 29)), date(2025, 2, 28))


class ConsentWithdrawalTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.case.team.add(self.houkatsu)
        self.consent = consent_record(case=self.case, by=self.soudan, **consent_values())

    def test_a_withdrawn_consent_ends_the_sharing_at_once(self) -> None:
        self.assertEqual(
            [consent.pk for consent in valid_consents(self.case.person_id)], [self.consent.pk]
        )
        (basis,) = case_sharing_bases(self.houkatsu, self.case)
        self.assertEqual((basis.kind, basis.record_id), (BASIS_CONSENT, self.consent.pk))
        self.assertEqual(basis.info_kinds, frozenset({"basic", "consultation"}))

        withdrawn = consent_withdraw(
            consent=self.consent, note="本人から電話で撤回の申出", by=self.douryou
        )

        self.assertIsNotNone(withdrawn.withdrawn_at)
        self.assertEqual(withdrawn.withdrawn_by, self.douryou)
        self.assertEqual(withdrawn.state_label(), "撤回済み")
        self.assertEqual(valid_consents(self.case.person_id), [])
        self.assertEqual(case_sharing_bases(self.houkatsu, self.case), [])
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="collaboration.consent"
        )
        self.assertEqual(row.detail["withdrawn"], True)
        self.assertNotIn("電話", str(row.detail))

    def test_it_cannot_be_withdrawn_twice(self) -> None:
        consent_withdraw(consent=self.consent, note="本人から撤回の申出", by=self.soudan)
        first = Consent.objects.get(pk=self.consent.pk).withdrawn_at
        with self.assertRaises(ValidationError) as raised:
            consent_withdraw(consent=self.consent, note="二度目", by=self.douryou)
        self.assertIn("この同意はすでに撤回されています", raised.exception.messages[0])
        self.assertIn("二度は撤回できません。", raised.exception.messages[0])
        current = Consent.objects.get(pk=self.consent.pk)
        self.assertEqual((current.withdrawn_at, current.withdrawn_by), (first, self.soudan))

    def test_a_consent_for_another_category_gives_no_basis(self) -> None:
        consent_withdraw(consent=self.consent, note="撤回", by=self.soudan)
        consent_record(
            case=self.case,
            by=self.soudan,
            **consent_values(agency_categories=[AgencyCategory.HELLO_WORK]),
        )
        self.assertEqual(case_sharing_bases(self.houkatsu, self.case), [])

    def test_the_case_lists_its_consents_with_their_state(self) -> None:
        consent_withdraw(consent=self.consent, note="撤回", by=self.soudan)
        (row,) = consents_for_case(self.case)
        self.assertEqual(row.consent, self.consent)
        self.assertEqual(row.state, "撤回済み")
        self.assertEqual(row.sharing_with, ["地域包括支援センター（種別）"])
