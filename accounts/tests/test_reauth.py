"""Re-authentication before risky actions: the password (and code) again, then back."""

import time

from django.test import override_settings

from accounts.models import User
from accounts.reauth import AUTHENTICATED_AT_SESSION_KEY
from accounts.services import staff_version
from audit.models import AuditEvent
from people.models import Person
from people.tests.test_merge import MergeTestCase
from tsunagu.test import PASSWORD, BaseTestCase, app_code, confirmed_app_of


class StaleSessionMixin:
    client: "object"

    def let_the_sign_in_age(self, seconds: int = 3600) -> None:
        """As if the sign-in had been `seconds` ago."""
        session = self.client.session  # type: ignore[attr-defined]
        session[AUTHENTICATED_AT_SESSION_KEY] = int(time.time()) - seconds
        session.save()


@override_settings(REAUTH_SECONDS=600)
class RoleChangeTests(StaleSessionMixin, BaseTestCase):
    def roles_form(self, roles: list[str]) -> dict[str, object]:
        staff = User.objects.prefetch_related("staff_roles").get(pk=self.douryou.pk)
        return {"roles": roles, "is_active": "on", "version": staff_version(staff)}

    def code(self) -> str:
        return app_code(confirmed_app_of(self.admin))

    def roles_of_douryou(self) -> set[str]:
        return set(self.douryou.staff_roles.values_list("role", flat=True))

    def test_a_fresh_sign_in_changes_roles_without_asking(self) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.douryou.pk}/", self.roles_form(["coordinator"]))
        self.assertRedirects(response, f"/staff/{self.douryou.pk}/")
        self.assertEqual(self.roles_of_douryou(), {"coordinator"})

    def test_an_old_sign_in_asks_the_password_and_keeps_the_input(self) -> None:
        self.login(self.admin)
        self.let_the_sign_in_age()
        url = f"/staff/{self.douryou.pk}/"
        response = self.client.post(url, self.roles_form(["coordinator", "auditor"]))
        self.assertRedirects(response, f"/login/again/?next=%2Fstaff%2F{self.douryou.pk}%2F")
        self.assertEqual(self.roles_of_douryou(), {"consultation_worker"})
        # Reading the page is not risky: only its POST asks.
        self.assertEqual(self.client.get(url).status_code, 200)

        page = self.client.get(response["Location"])
        self.assertContains(page, "<h1>パスワードの再入力</h1>", html=True)
        self.assertContains(page, "確認コード")  # administrators sign in with the second factor
        answer = self.client.post(
            "/login/again/", {"password": PASSWORD, "code": self.code(), "next": url}
        )

        self.assertContains(answer, "もう一度ボタンを押すと、操作を続けます。")
        self.assertContains(answer, f'<form method="post" action="{url}">', html=False)
        self.assertContains(answer, '<input type="hidden" name="roles" value="auditor">', html=True)
        self.assertContains(
            answer, '<input type="hidden" name="roles" value="coordinator">', html=True
        )
        data = {
            "roles": ["coordinator", "auditor"],
            "is_active": "on",
            "version": "1:consultation_worker",
        }
        self.assertRedirects(self.client.post(url, data), url)
        self.assertEqual(self.roles_of_douryou(), {"coordinator", "auditor"})
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN, detail__reason="reauthenticated")
        self.assertEqual(row.actor_id, self.admin.pk)

    def test_a_wrong_password_is_refused_audited_and_throttled(self) -> None:
        self.login(self.admin)
        self.let_the_sign_in_age()
        url = f"/staff/{self.douryou.pk}/"
        with override_settings(LOGIN_FAILURE_LIMIT=3):
            pages = [
                self.client.post(
                    "/login/again/", {"password": "wrong", "code": "000000", "next": url}
                )
                for _ in range(4)
            ]
        self.assertContains(pages[0], "パスワードが正しくありません。")
        self.assertContains(pages[3], "分ほど待ってから入力してください")
        rows = self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED, actor=self.admin)
        self.assertEqual({row.detail["reason"] for row in rows}, {"reauth_password"})
        # Still old: the risky action still asks.
        response = self.client.post(url, self.roles_form(["auditor"]))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.roles_of_douryou(), {"consultation_worker"})

    def test_a_next_to_another_site_goes_home(self) -> None:
        self.login(self.admin)
        self.let_the_sign_in_age()
        response = self.client.post(
            "/login/again/",
            {"password": PASSWORD, "code": self.code(), "next": "https://example.com/"},
        )
        self.assertRedirects(response, "/")


class AuditExportTests(StaleSessionMixin, BaseTestCase):
    def test_the_audit_export_asks_again_and_then_downloads(self) -> None:
        self.login(self.kansa)
        self.let_the_sign_in_age()
        response = self.client.get("/audit/export.csv?action=login")
        self.assertRedirects(response, "/login/again/?next=%2Faudit%2Fexport.csv%3Faction%3Dlogin")
        answer = self.client.post(
            "/login/again/", {"password": PASSWORD, "next": "/audit/export.csv?action=login"}
        )
        self.assertRedirects(
            answer, "/audit/export.csv?action=login", fetch_redirect_response=False
        )
        self.assertEqual(
            self.client.get(answer["Location"])["Content-Type"], "text/csv; charset=utf-8"
        )


class MergeReauthTests(StaleSessionMixin, MergeTestCase):
    def test_a_merge_asks_the_password_and_the_code_and_merges_nothing_before(self) -> None:
        self.login(self.chousei)
        self.let_the_sign_in_age()
        response = self.merge(follow=False)
        self.assertTrue(response["Location"].startswith("/login/again/"))
        self.assertIsNone(Person.objects.get(pk=self.merged.pk).merged_into_id)

        page = self.client.get(response["Location"])
        self.assertContains(page, "確認コード")
        url = f"/persons/duplicates/{self.candidate.pk}/merge/"
        refused = self.client.post(
            "/login/again/", {"password": PASSWORD, "code": "000000", "next": url}
        )
        self.assertContains(refused, "確認コードが正しくないか、すでに使われたコードです。")

        device = confirmed_app_of(self.chousei)
        device.throttle_reset()  # as if the second's wait after the wrong code had passed
        answer = self.client.post(
            "/login/again/", {"password": PASSWORD, "code": app_code(device), "next": url}
        )
        self.assertContains(answer, "操作を続ける")
        self.assertContains(answer, f'name="kept" value="{self.kept.pk}"', html=False)
        self.merge()
        self.assertEqual(Person.objects.get(pk=self.merged.pk).merged_into_id, self.kept.pk)
