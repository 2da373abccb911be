"""Correcting a referral (訂正) by its sender: a reason is required, the previous version is kept
(encrypted) and shown, the state is not corrected, and the receiver cannot correct."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from audit.models import AuditEvent, PreviousVersion
from audit.services import CORRECTION_REASON_REQUIRED
from cases.services import case_open
from cases.tests.helpers import days_ago, follow_up_passed, make_agency, make_person
from collaboration.models import Agency, Referral
from collaboration.referrals.services import (
    NOT_THE_SENDER,
    PERSON_NOT_OF_THE_HOUSEHOLD,
    REFERRAL_FOLLOW_UP_PAST,
    referral_accept,
    referral_correct,
    referral_create,
)
from people.models import Household, HouseholdMembership, Person
from tsunagu.fields import is_token
from tsunagu.test import BaseTestCase

PURPOSE = "父親の介護保険の申請と、ケアマネジャーとの連携"


class ReferralCorrectionTests(BaseTestCase):
    agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.agency = make_agency(cls.soudan, organisation=cls.world.organisations["houkatsu"])

    def setUp(self) -> None:
        household = Household.objects.create(organisation=self.window, label="高橋家")
        self.son = make_person(self.window, "高橋", "健太")
        self.father = make_person(self.window, "高橋", "茂")
        for person, relationship in ((self.son, "self"), (self.father, "father")):
            HouseholdMembership.objects.create(
                household=household, person=person, relationship=relationship
            )
        self.case = case_open(
            organisation_id=self.window.pk,
            title="高橋家（8050）",
            lead_worker=self.soudan,
            person_id=self.son.pk,
            household_id=household.pk,
            by=self.soudan,
        )
        self.referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.son.pk,
            agency_id=self.agency.pk,
            purpose=PURPOSE,
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )
        self.url = f"/referrals/{self.referral.pk}/correct/"
        self.versions_url = f"/referrals/{self.referral.pk}/versions/"

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "person": str(self.son.pk),
            "purpose": PURPOSE,
            "follow_up_on": days_ago(-14).isoformat(),
            "version": "1",
            "reason": "つなぐ人を取り違えた",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    def referral_now(self) -> Referral:
        return Referral.objects.get(pk=self.referral.pk)

    def test_the_form_is_prefilled_and_offers_the_household(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        form = response.context["form"]
        self.assertEqual(form.initial["purpose"], PURPOSE)
        self.assertEqual(form.initial["version"], 1)
        self.assertEqual(form.initial["person"], self.son.pk)
        self.assertContains(response, "高橋 茂（")
        self.assertContains(response, "訂正の理由")
        self.assertNotIn("agency", form.fields)
        self.assertNotIn("state", form.fields)

    def test_a_correction_keeps_the_previous_version_and_shows_it(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            self.form_data(
                person=str(self.father.pk), purpose="父親の介護保険の申請", accompanied="on"
            ),
        )
        self.assertRedirects(response, self.versions_url)
        referral = self.referral_now()
        self.assertEqual(
            (referral.person, referral.purpose, referral.accompanied, referral.version),
            (self.father, "父親の介護保険の申請", True, 2),
        )
        self.assertEqual(referral.state, Referral.State.PROPOSED)
        (kept,) = PreviousVersion.objects.all()
        self.assertEqual(
            (kept.version, kept.by, kept.reason), (1, self.soudan, "つなぐ人を取り違えた")
        )
        self.assertEqual(
            kept.changes,
            {
                "person": [self.son.pk, self.father.pk],
                "purpose": [PURPOSE, "父親の介護保険の申請"],
                "accompanied": [False, True],
            },
        )
        page = self.client.get(self.versions_url)
        self.assertContains(page, "第1版からの訂正")
        self.assertContains(page, "つなぐ人を取り違えた")
        self.assertContains(page, "高橋 健太")
        self.assertContains(page, "高橋 茂")
        self.assertContains(page, PURPOSE)
        detail = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertContains(detail, "訂正あり")
        self.assertContains(detail, self.versions_url)
        self.assertContains(detail, self.url)

    def test_the_audit_row_names_the_previous_version(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(purpose="介護保険の申請"))
        (kept,) = PreviousVersion.objects.all()
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE,
            object_type="collaboration.referral",
            object_id=str(self.referral.pk),
        )
        self.assertEqual(row.detail["previous_version"], kept.pk)
        self.assertEqual(row.detail["fields"], ["purpose"])
        self.assertEqual(row.detail["case"], self.case.pk)

    def test_the_kept_purpose_is_encrypted_at_rest(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(purpose="介護保険の申請"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT changes, reason FROM audit_previousversion")
            changes, reason = cursor.fetchone()
        self.assertTrue(is_token(changes) and is_token(reason))
        self.assertNotIn("ケアマネジャー", changes)

    def test_a_referral_state_change_alone_shows_no_correction_mark(self) -> None:
        referral_accept(referral=self.referral, version=1, by=self.houkatsu)
        self.login(self.soudan)
        detail = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertNotContains(detail, "訂正あり")
        self.assertContains(detail, self.url)

    def test_the_state_is_not_corrected(self) -> None:
        with self.assertRaises(ValidationError):
            referral_correct(
                referral=self.referral,
                data={"state": Referral.State.ENDED},
                version=1,
                reason="状態の誤り",
                by=self.soudan,
            )
        self.assertEqual(self.referral_now().state, Referral.State.PROPOSED)

    def test_a_person_outside_the_household_is_refused(self) -> None:
        stranger = make_person(self.window, "佐藤", "一郎")
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(person=str(stranger.pk)))
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["person"])
        with self.assertRaises(ValidationError) as raised:
            referral_correct(
                referral=self.referral,
                data={"person": stranger.pk},
                version=1,
                reason="人の誤り",
                by=self.soudan,
            )
        self.assertEqual(raised.exception.message_dict["person"], [PERSON_NOT_OF_THE_HOUSEHOLD])
        self.assertEqual(self.referral_now().person, self.son)

    def test_a_follow_up_date_corrected_into_the_past_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(follow_up_on=days_ago(1).isoformat()))
        self.assertEqual(response.context["form"].errors["follow_up_on"], [REFERRAL_FOLLOW_UP_PAST])
        self.assertEqual(self.referral_now().version, 1)
        self.assertFalse(PreviousVersion.objects.exists())

    def test_a_passed_follow_up_date_left_as_it_was_does_not_block_a_correction(self) -> None:
        follow_up_passed(self.referral, days_ago(3))
        self.login(self.soudan)
        response = self.client.post(
            self.url,
            self.form_data(follow_up_on=days_ago(3).isoformat(), purpose="介護保険の申請"),
        )
        self.assertRedirects(response, self.versions_url)
        self.assertEqual(self.referral_now().purpose, "介護保険の申請")

    def test_the_reason_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(reason="", purpose="書き換え"))
        self.assertContains(response, "訂正の理由を入力してください。")
        self.assertEqual(self.referral_now().purpose, PURPOSE)
        with self.assertRaises(ValidationError) as raised:
            referral_correct(
                referral=self.referral,
                data={"purpose": "書き換え"},
                version=1,
                reason=" ",
                by=self.soudan,
            )
        self.assertEqual(raised.exception.message_dict["reason"], [CORRECTION_REASON_REQUIRED])

    def test_a_stale_version_is_refused_with_both_versions_shown(self) -> None:
        self.login(self.douryou)
        self.client.post(self.url, self.form_data(purpose="同僚が先に訂正した目的"))
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(purpose="わたしの訂正"))
        self.assertContains(response, "ほかの人が先にこのつなぎを訂正（または更新）しました。")
        self.assertContains(response, "同僚が先に訂正した目的")
        self.assertContains(response, "わたしの訂正")
        self.assertEqual(response.context["form"]["version"].value(), "2")
        self.assertEqual(self.referral_now().purpose, "同僚が先に訂正した目的")
        again = self.client.post(self.url, self.form_data(purpose="わたしの訂正", version="2"))
        self.assertRedirects(again, self.versions_url)
        self.assertEqual(PreviousVersion.objects.count(), 2)

    def test_the_receiver_cannot_correct(self) -> None:
        self.login(self.houkatsu)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)
        self.assertEqual(self.client.get(self.versions_url).status_code, 404)
        with self.assertRaises(ValidationError) as raised:
            referral_correct(
                referral=self.referral,
                data={"purpose": "書き換え"},
                version=1,
                reason="受け手の訂正",
                by=self.houkatsu,
            )
        self.assertEqual(raised.exception.messages, [NOT_THE_SENDER])
        self.assertEqual(self.referral_now().purpose, PURPOSE)

    def test_another_organisation_gets_404(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)
        self.assertEqual(self.client.get(self.versions_url).status_code, 404)

    def test_the_auditor_gets_403_and_changes_nothing(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url, self.form_data(purpose="x")).status_code, 403)
        self.assertEqual(self.client.get(self.versions_url).status_code, 403)
        self.assertEqual(self.referral_now().version, 1)

    def test_the_versions_page_read_is_audited(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(purpose="一度目"))
        self.client.get(self.versions_url)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="audit.previousversion")
        self.assertEqual(row.detail["collaboration.referral"], [self.referral.pk])
        self.assertEqual(len(row.detail["ids"]), 1)

    def test_a_restricted_persons_name_is_not_shown_in_the_versions(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(person=str(self.father.pk)))
        Person.objects.filter(pk=self.son.pk).update(is_restricted=True)
        self.login(self.douryou)
        page = self.client.get(self.versions_url)
        self.assertNotContains(page, "高橋 健太")
        self.assertContains(page, "高橋 茂")

    def test_saving_the_same_values_corrects_nothing(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(), follow=True)
        self.assertContains(response, "内容が今の版と同じだったので、訂正していません")
        self.assertEqual(self.referral_now().version, 1)
        self.assertFalse(PreviousVersion.objects.exists())

    def test_the_receiver_reads_that_the_sender_corrected(self) -> None:
        incoming = f"/referrals/incoming/{self.referral.pk}/"
        self.login(self.houkatsu)
        self.assertNotContains(self.client.get(incoming), "がこのつなぎを訂正しています")
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(purpose="介護保険の申請"))
        self.login(self.houkatsu)
        page = self.client.get(incoming)
        self.assertContains(page, "がこのつなぎを訂正しています")
        self.assertContains(page, "介護保険の申請")
