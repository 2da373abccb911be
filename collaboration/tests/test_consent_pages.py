from datetime import timedelta
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases.tests.helpers import open_case
from collaboration.consent.services import (
    consent_record,
    consent_withdraw,
    consents_for_case,
    default_expiry,
)
from collaboration.models import AgencyCategory, Consent
from collaboration.tests.test_consent_service import consent_values, household_case
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


class ConsentCreatePageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.url = f"/cases/{self.case.pk}/consents/new/"
        self.houkatsu_org = self.world.organisations["houkatsu"]

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        today = timezone.localdate()
        data: dict[str, Any] = {
            "organisations": [str(self.houkatsu_org.pk)],
            "agency_categories": [AgencyCategory.SELF_RELIANCE_OFFICE],
            "info_kinds": ["basic", "consultation", "health"],
            "purpose": "父親の介護と本人の就労準備を関係機関と一緒に支援するため",
            "given_by": "person",
            "guardian_name": "",
            "method": "signature",
            "given_on": today.isoformat(),
            "expires_on": default_expiry(today).isoformat(),
            "allows_multiagency_meeting": "on",
        }
        data.update(overrides)
        return data

    def test_the_form_offers_the_organisations_of_the_prefecture_and_a_year(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        self.assertContains(
            response, "つなぐ市中央地域包括支援センター（地域包括支援センター・つなぐ市）"
        )
        self.assertContains(response, "つなぐ県ひきこもり地域支援センター")
        self.assertNotContains(response, "つなぐ市 ひきこもり相談窓口（")
        self.assertContains(response, "健康・障害（要配慮個人情報）")
        self.assertContains(response, "民間支援団体（当事者団体・NPO法人等）")
        today = timezone.localdate()
        self.assertContains(response, wareki(default_expiry(today)))

    def test_a_consent_is_recorded_and_shown_on_its_page(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data())
        consent = Consent.objects.get()
        self.assertRedirects(response, f"/consents/{consent.pk}/")
        self.assertEqual(consent.info_kinds, ["basic", "consultation", "health"])
        self.assertTrue(consent.allows_multiagency_meeting)
        page = self.client.get(f"/consents/{consent.pk}/")
        self.assertContains(page, "有効")
        self.assertContains(page, "つなぐ市中央地域包括支援センター")
        self.assertContains(page, "自立相談支援事業実施機関")
        self.assertContains(page, "基本情報、相談内容、健康・障害（要配慮個人情報）")
        self.assertContains(page, "父親の介護と本人の就労準備を関係機関と一緒に支援するため")
        self.assertContains(page, "本人")
        self.assertContains(page, "署名")

    def test_bad_input_is_refused_in_japanese_and_nothing_is_saved(self) -> None:
        self.login(self.douryou)
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.client.post(
            self.url,
            self.form_data(
                organisations=[],
                agency_categories=[],
                info_kinds=[],
                given_by="guardian",
                given_on=tomorrow.isoformat(),
                expires_on=tomorrow.isoformat(),
                purpose="",
            ),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "まだ保存していません。")
        self.assertContains(response, "共有する情報の種類を一つ以上選んでください。")
        self.assertContains(response, "利用目的を入力してください。")
        self.assertFalse(Consent.objects.exists())

    def test_the_service_refusals_are_shown_at_their_fields(self) -> None:
        self.login(self.soudan)
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.client.post(
            self.url,
            self.form_data(
                organisations=[],
                agency_categories=[],
                given_by="guardian",
                given_on=tomorrow.isoformat(),
                expires_on=timezone.localdate().isoformat(),
            ),
        )
        errors = response.context["form"].errors
        self.assertEqual(
            errors["organisations"],
            ["共有先の機関か、共有先の機関の種別を一つ以上選んでください。"],
        )
        self.assertEqual(
            errors["guardian_name"],
            ["保護者・成年後見人等が同意したときは、その人の氏名を入力してください。"],
        )
        self.assertIn("未来の日付", errors["given_on"][0])
        self.assertEqual(errors["expires_on"], ["有効期限は同意日より後の日付にしてください。"])
        self.assertFalse(Consent.objects.exists())

    def test_an_organisation_of_another_prefecture_is_not_offered_nor_accepted(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(organisations=[str(self.window.pk)]))
        self.assertTrue(response.context["form"].errors["organisations"])
        self.assertFalse(Consent.objects.exists())

    def test_a_case_without_a_person_says_why_it_cannot_take_a_consent(self) -> None:
        case = household_case(self.soudan)
        self.login(self.soudan)
        response = self.client.get(f"/cases/{case.pk}/consents/new/", follow=True)
        self.assertRedirects(response, f"/cases/{case.pk}/")
        self.assertContains(response, "このケースには本人が登録されていません。")


class ConsentDetailAndWithdrawalPageTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.consent = consent_record(case=self.case, by=self.soudan, **consent_values())

    def test_withdrawal_takes_effect_at_once_and_is_audited(self) -> None:
        self.login(self.douryou)
        response = self.client.post(
            f"/consents/{self.consent.pk}/withdraw/",
            {"note": "本人から電話で撤回の申出", "confirmed": "yes"},
        )
        self.assertRedirects(response, f"/consents/{self.consent.pk}/")
        self.consent.refresh_from_db()
        self.assertIsNotNone(self.consent.withdrawn_at)
        page = self.client.get(f"/consents/{self.consent.pk}/")
        self.assertContains(page, "撤回済み")
        self.assertContains(page, "本人から電話で撤回の申出")
        self.assertNotContains(page, "撤回する</button>")
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="collaboration.consent")
        self.assertEqual([row.actor for row in rows], [self.douryou])

    def test_the_first_post_asks_for_confirmation_and_changes_nothing(self) -> None:
        self.login(self.soudan)
        url = f"/consents/{self.consent.pk}/withdraw/"
        response = self.client.post(url, {"note": "本人から電話で撤回の申出"})
        self.assertTemplateUsed(response, "confirm.html")
        for text in (
            f"同意 #{self.consent.pk} を撤回します",
            "まだ何も変わっていません",
            "本人から電話で撤回の申出",
            "共有は今から止まります",
            "撤回は取り消せません",
            f'href="/consents/{self.consent.pk}/">戻る</a>',
            '<button type="submit">撤回する</button>',
        ):
            self.assertContains(response, text)
        self.consent.refresh_from_db()
        self.assertIsNone(self.consent.withdrawn_at)
        self.assertFalse(
            self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="collaboration.consent")
        )
        self.client.post(url, {"note": "本人から電話で撤回の申出", "confirmed": "yes"})
        self.consent.refresh_from_db()
        self.assertEqual(self.consent.withdrawal_note, "本人から電話で撤回の申出")

    def test_a_withdrawal_needs_a_note(self) -> None:
        self.login(self.soudan)
        response = self.client.post(f"/consents/{self.consent.pk}/withdraw/", {"note": " "})
        self.assertContains(response, "撤回の記録（いつ、誰から、どのように申出があったか）")
        self.assertContains(response, "まだ撤回していません。")
        self.consent.refresh_from_db()
        self.assertIsNone(self.consent.withdrawn_at)

    def test_a_second_withdrawal_is_refused_with_a_message(self) -> None:
        consent_withdraw(consent=self.consent, note="撤回の申出", by=self.soudan)
        self.login(self.douryou)
        response = self.client.post(f"/consents/{self.consent.pk}/withdraw/", {"note": "もう一度"})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "この同意はすでに撤回されています")
        self.consent.refresh_from_db()
        self.assertEqual(self.consent.withdrawn_by, self.soudan)

    def test_withdrawal_is_post_only(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/consents/{self.consent.pk}/withdraw/")
        self.assertEqual(response.status_code, 405)

    def test_an_expired_consent_shows_as_expired(self) -> None:
        long_ago = timezone.localdate() - timedelta(days=400)
        Consent.objects.filter(pk=self.consent.pk).update(
            given_on=long_ago, expires_on=long_ago + timedelta(days=364)
        )
        self.login(self.soudan)
        self.assertContains(self.client.get(f"/consents/{self.consent.pk}/"), "期限切れ")

    def test_the_case_partial_lists_the_consents(self) -> None:
        consent_withdraw(consent=self.consent, note="撤回", by=self.soudan)
        html = render_to_string(
            "collaboration/consents/_case_consents.html",
            {"case": self.case, "case_consents": consents_for_case(self.case), "can_edit": True},
        )
        self.assertIn(f'href="/consents/{self.consent.pk}/"', html)
        self.assertIn("撤回済み", html)
        self.assertIn("地域包括支援センター（種別）", html)
        self.assertIn("基本情報、相談内容", html)
        self.assertIn(f'href="/cases/{self.case.pk}/consents/new/"', html)
        self.assertIn(f'href="/persons/{self.case.person_id}/disclosures/"', html)


class ConsentAccessTests(BaseTestCase):
    """Consents are pages of the organisation that recorded them: nobody else learns they exist."""

    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.consent = consent_record(case=self.case, by=self.soudan, **consent_values())
        self.staff = self.world.staff

    def routes(self) -> list[tuple[str, str]]:
        return [
            ("get", f"/cases/{self.case.pk}/consents/new/"),
            ("get", f"/consents/{self.consent.pk}/"),
            ("post", f"/consents/{self.consent.pk}/withdraw/"),
            ("get", f"/cases/{self.case.pk}/consent-form.pdf"),
            ("get", f"/persons/{self.case.person_id}/disclosures/"),
            ("get", f"/persons/{self.case.person_id}/disclosures.pdf"),
        ]

    def assert_status(self, user: User, expected: int) -> None:
        self.login(user)
        for method, url in self.routes():
            response = getattr(self.client, method)(
                url, {"note": "撤回"} if method == "post" else {}
            )
            self.assertEqual(response.status_code, expected, f"{user.username} {method} {url}")
        self.consent.refresh_from_db()
        self.assertIsNone(self.consent.withdrawn_at)

    def test_other_organisations_get_404(self) -> None:
        for user in (
            self.minato,
            self.houkatsu,
            self.staff["centre"],
            self.staff["supporter"],
            self.staff["ibasho"],
            self.staff["jiritsu"],
        ):
            with self.subTest(user=user.username):
                self.assert_status(user, 404)

    def test_a_partner_on_the_case_team_with_consent_still_gets_404_on_these_pages(self) -> None:
        self.case.team.add(self.houkatsu)
        self.assert_status(self.houkatsu, 404)

    def test_the_statistics_clerk_and_the_auditor_get_403(self) -> None:
        for user in (self.toukei, self.kansa):
            with self.subTest(user=user.username):
                self.assert_status(user, 403)

    def test_refusals_are_audited(self) -> None:
        self.login(self.minato)
        self.client.get(f"/consents/{self.consent.pk}/")
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.minato)
        self.assertEqual(
            (row.object_type, row.object_id), ("collaboration.consent", str(self.consent.pk))
        )
        self.login(self.kansa)
        self.client.get(f"/consents/{self.consent.pk}/")
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.kansa)
        self.assertEqual(row.detail["reason"], "missing_right")

    def test_anonymous_visitors_are_sent_to_the_login(self) -> None:
        for method, url in self.routes():
            response = getattr(self.client, method)(url)
            self.assertEqual(response.status_code, 302, url)
            self.assertIn("/login", response["Location"])

    def test_the_same_office_sees_the_consent(self) -> None:
        self.login(self.douryou)
        for method, url in self.routes():
            if method == "get":
                self.assertEqual(self.client.get(url).status_code, 200, url)
