from io import StringIO
from typing import Any

from django.core.management import CommandError, call_command
from django.test import override_settings

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase


class ApiTestCase(BaseTestCase):
    def token_for(self, user: User) -> str:
        out = StringIO()
        call_command("create_api_token", user.username, stdout=out)
        return out.getvalue().strip()

    def get(self, path: str, user: User | None = None, token: str | None = None) -> Any:
        if token is None and user is not None:
            token = self.token_for(user)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.client.get(f"/api/v1{path}", headers=headers)


class TokenTests(ApiTestCase):
    def test_the_command_prints_a_token_and_stores_only_its_digest(self) -> None:
        token = self.token_for(self.soudan)
        self.assertTrue(token.startswith("tsg_"))
        stored = ApiToken.objects.get(user=self.soudan)
        self.assertNotIn(token, stored.digest)
        self.assertEqual(len(stored.digest), 64)

    def test_the_command_refuses_an_unknown_user(self) -> None:
        with self.assertRaisesMessage(CommandError, "見つかりません"):
            call_command("create_api_token", "nobody")

    def test_no_token_is_401_in_japanese(self) -> None:
        response = self.get("/me")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            response.json()["detail"], "認証が必要です。有効なAPIトークンを送ってください。"
        )

    def test_a_wrong_token_is_401_and_audited(self) -> None:
        response = self.get("/me", token="tsg_wrong")
        self.assertEqual(response.status_code, 401)
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)
        self.assertEqual(row.detail, {"reason": "invalid_api_token"})

    def test_a_revoked_token_is_refused(self) -> None:
        token = self.token_for(self.soudan)
        ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
        self.assertEqual(self.get("/me", token=token).status_code, 401)

    def test_a_demo_accounts_token_is_refused_outside_demo_mode(self) -> None:
        token = self.token_for(self.soudan)
        User.objects.filter(pk=self.soudan.pk).update(is_demo=True)
        self.assertEqual(self.get("/me", token=token).status_code, 401)
        with override_settings(DEMO_MODE=True):
            self.assertEqual(self.get("/me", token=token).status_code, 200)


class MeTests(ApiTestCase):
    def test_it_describes_the_token_owner(self) -> None:
        data = self.get("/me", self.soudan).json()
        self.assertEqual(data["username"], "soudan")
        self.assertEqual(data["organisation"]["name"], "つなぐ市 ひきこもり相談窓口")
        self.assertEqual(data["organisation"]["local_government_code"], "992011")
        self.assertEqual(data["roles"], ["consultation_worker"])
        self.assertIn("view_personal_data", data["rights"])


class StaffApiTests(ApiTestCase):
    def test_the_administrator_lists_the_own_office(self) -> None:
        response = self.get("/staff", self.admin)
        usernames = {member["username"] for member in response.json()["items"]}
        self.assertIn("soudan", usernames)
        self.assertNotIn("minato", usernames)
        self.assertNotIn("houkatsu", usernames)

    def test_another_offices_record_is_404_as_on_the_pages(self) -> None:
        response = self.get(f"/staff/{self.minato.pk}", self.admin)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["detail"], "該当する記録がありません。")
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.detail["reason"], "out_of_scope")

    def test_a_missing_right_is_403_and_audited(self) -> None:
        response = self.get(f"/staff/{self.douryou.pk}", self.soudan)
        self.assertEqual(response.status_code, 403)
        self.assertIn("職員と権限の管理", response.json()["detail"])
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.actor_id, self.soudan.pk)

    def test_a_granted_read_is_audited(self) -> None:
        response = self.get(f"/staff/{self.douryou.pk}", self.admin)
        self.assertEqual(response.json()["display_name"], "同僚 一郎")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual((row.object_type, row.object_id), ("accounts.user", str(self.douryou.pk)))


class OpenApiTests(ApiTestCase):
    def test_the_openapi_document_describes_the_endpoints_and_bearer_auth(self) -> None:
        document = self.client.get("/api/v1/openapi.json").json()
        self.assertTrue(document["openapi"].startswith("3."))
        self.assertEqual(
            set(document["paths"]),
            {
                "/api/v1/me",
                "/api/v1/organisations",
                "/api/v1/staff",
                "/api/v1/staff/{staff_id}",
                "/api/v1/persons/{person_id}/restriction",
                "/api/v1/persons",
                "/api/v1/persons/{person_id}",
                "/api/v1/households",
                "/api/v1/households/{household_id}",
                "/api/v1/consultations",
                "/api/v1/consultations/{consultation_id}",
                "/api/v1/cases",
                "/api/v1/cases/{case_id}",
                "/api/v1/cases/{case_id}/stage",
                "/api/v1/cases/{case_id}/close",
                "/api/v1/cases/{case_id}/reopen",
                "/api/v1/cases/{case_id}/assessments",
                "/api/v1/cases/{case_id}/plans",
                "/api/v1/cases/{case_id}/activities",
                "/api/v1/referrals",
                "/api/v1/referrals/{referral_id}",
                "/api/v1/referrals/{referral_id}/state",
                "/api/v1/received-referrals",
                "/api/v1/received-referrals/{referral_id}",
                "/api/v1/received-referrals/{referral_id}/answer",
                "/api/v1/agencies",
                "/api/v1/hosts",
                "/api/v1/hosts/{host_id}",
                "/api/v1/hosts/{host_id}/offers",
                "/api/v1/offers",
                "/api/v1/offers/{offer_id}",
                "/api/v1/cases/{case_id}/placements",
                "/api/v1/placements/{placement_id}/stage",
                "/api/v1/cases/{case_id}/enrolments",
                "/api/v1/enrolments/{enrolment_id}",
                "/api/v1/enrolments/{enrolment_id}/extension",
            },
        )
        schemes = document["components"]["securitySchemes"]
        self.assertEqual(next(iter(schemes.values()))["scheme"], "bearer")

    def test_there_is_no_docs_page_loading_a_cdn(self) -> None:
        self.assertEqual(self.client.get("/api/v1/docs").status_code, 404)


class TokenFloodTests(ApiTestCase):
    @override_settings(LOGIN_FAILURE_LIMIT=2)
    def test_a_flood_of_bad_tokens_stops_adding_audit_rows(self) -> None:
        statuses = [self.get("/me", token="tsg_wrong").status_code for _ in range(20)]
        # Four times the login limit per address, then 429 (api/tests/test_token_throttle.py).
        self.assertEqual(statuses, [401] * 8 + [429] * 12)
        self.assertEqual(len(self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)), 8)
