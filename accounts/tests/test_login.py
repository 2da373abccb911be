from django.test import Client, override_settings

from audit.models import AuditEvent
from audit.services import login_subject
from tsunagu.test import PASSWORD, BaseTestCase, sign_in


class LoginTests(BaseTestCase):
    def test_the_login_page_is_japanese(self) -> None:
        response = self.client.get("/login/")
        self.assertContains(response, '<html lang="ja">', html=False)
        self.assertContains(response, "<h1>ログイン</h1>", html=True)
        self.assertContains(response, "ユーザー名")

    def test_pages_need_login(self) -> None:
        self.assertRedirects(self.client.get("/"), "/login/?next=/")

    def test_it_logs_in_and_audits_the_login(self) -> None:
        response = self.client.post("/login/", {"username": "kansa", "password": PASSWORD})
        self.assertRedirects(response, "/")
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN)
        self.assertEqual((row.actor_id, row.organisation_id), (self.kansa.pk, self.window.pk))

    def test_a_worker_with_personal_data_logs_in_with_the_code_too(self) -> None:
        response = sign_in(self.client, self.soudan)
        self.assertEqual(response.wsgi_request.path, "/")
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN)
        self.assertEqual((row.actor_id, row.organisation_id), (self.soudan.pk, self.window.pk))

    def test_a_wrong_password_shows_a_japanese_error_and_is_audited(self) -> None:
        response = self.client.post("/login/", {"username": "soudan", "password": "wrong"})
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません。")
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)
        self.assertEqual(row.object_id, str(self.soudan.pk))
        self.assertEqual(row.subject, login_subject("soudan"))
        self.assertEqual(row.ip_address, "127.0.0.1")
        self.assertNotIn("wrong", row.canonical())
        self.assertNotIn("soudan", row.canonical())

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_repeated_failures_throttle_even_the_right_password(self) -> None:
        for _ in range(3):
            self.client.post("/login/", {"username": "soudan", "password": "wrong"})
        response = self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, "一時的に制限しています")
        self.assertNotIn("_auth_user_id", self.client.session)
        # The refused attempt is not a failure: three rows, not four.
        self.assertEqual(len(self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)), 3)

    @override_settings(LOGIN_FAILURE_LIMIT=3)
    def test_throttling_one_account_leaves_colleagues_alone(self) -> None:
        for _ in range(3):
            self.client.post("/login/", {"username": "soudan", "password": "wrong"})
        response = sign_in(self.client, self.douryou)
        self.assertEqual(response.wsgi_request.path, "/")

    def test_logout_is_audited(self) -> None:
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        response = self.client.post("/logout/")
        self.assertRedirects(response, "/login/")
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGOUT)
        self.assertEqual(row.actor_id, self.soudan.pk)

    def test_demo_accounts_cannot_log_in_outside_demo_mode(self) -> None:
        type(self.soudan).objects.filter(pk=self.soudan.pk).update(is_demo=True)
        response = self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません。")

    @override_settings(DEMO_MODE=True)
    def test_demo_accounts_log_in_in_demo_mode(self) -> None:
        type(self.soudan).objects.filter(pk=self.soudan.pk).update(is_demo=True)
        response = sign_in(self.client, self.soudan)
        self.assertEqual(response.wsgi_request.path, "/")


class CsrfTests(BaseTestCase):
    def test_a_forged_csrf_token_gets_a_japanese_page_and_changes_nothing(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.admin)
        response = client.post(
            f"/staff/{self.douryou.pk}/",
            {
                "roles": ["auditor"],
                "version": "1:consultation_worker",
                "csrfmiddlewaretoken": "forged",
            },
        )
        self.assertContains(response, "送信を受け付けられませんでした", status_code=403)
        self.assertEqual(
            set(self.douryou.staff_roles.values_list("role", flat=True)), {"consultation_worker"}
        )
