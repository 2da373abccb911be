"""The password policy and the administrator's password reset by a one-time link."""

import re

from django.test import Client

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from tsunagu.test import PASSWORD, BaseTestCase, sign_in

NEW_PASSWORD = "ひだまりの窓 2027 spring"


class PasswordPolicyTests(BaseTestCase):
    def change(self, new: str) -> str:
        self.login(self.soudan)
        response = self.client.post(
            "/account/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )
        self.assertEqual(response.status_code, 200, "the change was accepted")
        return response.content.decode()

    def test_a_short_password_is_refused_in_japanese(self) -> None:
        self.assertIn(
            "このパスワードは短すぎます。最低 12 文字以上必要です。", self.change("kirin2026a")
        )

    def test_a_common_password_is_refused(self) -> None:
        self.assertIn("このパスワードは一般的すぎます。", self.change("password1234"))

    def test_digits_only_are_refused(self) -> None:
        self.assertIn("このパスワードは数字しか使われていません。", self.change("918273645512"))

    def test_a_password_like_the_username_is_refused(self) -> None:
        User.objects.filter(pk=self.soudan.pk).update(username="soudan.hanako")
        self.assertIn("ユーザー名 と似すぎています。", self.change("soudanhanako1"))

    def test_a_password_like_the_name_is_refused(self) -> None:
        User.objects.filter(pk=self.soudan.pk).update(display_name="Hanako Soudan")
        self.assertIn("氏名 と似すぎています。", self.change("hanakosoudan"))

    def test_the_page_states_the_policy(self) -> None:
        self.login(self.soudan)
        page = self.client.get("/account/password/")
        self.assertContains(page, "12 文字以上")

    def test_a_good_password_is_accepted(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertRedirects(response, "/account/")


class AdministratorResetTests(BaseTestCase):
    def reset(self, reason: str = "パスワードを忘れた") -> str:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.soudan.pk}/password/reset/", {"reason": reason})
        self.assertContains(response, "<h1>パスワード再設定のリンク</h1>", html=True)
        link = re.search(
            r'<code class="password-link">http://testserver([^<]+)</code>',
            response.content.decode(),
        )
        assert link is not None
        return link.group(1)

    def test_the_old_password_sessions_and_tokens_end_at_once(self) -> None:
        worker = Client()
        sign_in(worker, self.soudan)
        _, token = ApiToken.issue(self.soudan)

        self.reset()

        self.assertRedirects(worker.get("/"), "/login/?next=/")
        response = Client().post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(response, "ユーザー名またはパスワードが正しくありません。")
        api = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(api.status_code, 401)
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="accounts.user", actor=self.admin
        )
        self.assertEqual(row.detail["reason"], "password_reset_by_administrator")
        self.assertEqual(row.detail["note"], "パスワードを忘れた")

    def test_the_link_sets_a_new_password_under_the_policy_once(self) -> None:
        link = self.reset()
        worker = Client()
        form_page = worker.get(link, follow=True)
        self.assertContains(form_page, "<h1>パスワードの設定</h1>", html=True)
        form_url = form_page.wsgi_request.path

        short = worker.post(form_url, {"new_password1": "short", "new_password2": "short"})
        self.assertContains(short, "このパスワードは短すぎます。")

        done = worker.post(
            form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}, follow=True
        )
        self.assertContains(done, "パスワードを設定しました。")
        self.assertEqual(
            sign_in(Client(), self.soudan, password=NEW_PASSWORD).wsgi_request.path, "/"
        )

        again = Client().get(link, follow=True)
        self.assertContains(again, "このリンクは使えません。")

    def test_a_reset_without_a_reason_changes_nothing(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/password/reset/", {"reason": ""}, follow=True
        )
        self.assertContains(response, "再設定の理由を入力してください。")
        self.assertTrue(User.objects.get(pk=self.soudan.pk).check_password(PASSWORD))

    def test_a_worker_cannot_reset_nor_another_offices_administrator(self) -> None:
        self.login(self.soudan)
        url = f"/staff/{self.douryou.pk}/password/reset/"
        self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 403)
        self.login(self.admin)
        url = f"/staff/{self.minato.pk}/password/reset/"
        self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 404)
        self.assertTrue(User.objects.get(pk=self.minato.pk).check_password(PASSWORD))


class SessionEndTests(BaseTestCase):
    """Sessions end on the server, so a copied session cookie dies with them."""

    def copied_cookie(self) -> tuple[Client, Client]:
        browser = Client()
        sign_in(browser, self.soudan)
        copy = Client()
        copy.cookies["sessionid"] = browser.cookies["sessionid"].value
        self.assertEqual(copy.get("/").status_code, 200)
        return browser, copy

    def test_logout_ends_the_session_row_itself(self) -> None:
        browser, copy = self.copied_cookie()
        browser.post("/logout/")
        self.assertRedirects(copy.get("/"), "/login/?next=/")

    def test_deactivation_ends_the_session_and_the_api_token_at_once(self) -> None:
        _, copy = self.copied_cookie()
        _, token = ApiToken.issue(self.soudan)
        user = User.objects.get(pk=self.soudan.pk)
        user.is_active = False
        user.save()
        self.assertRedirects(copy.get("/"), "/login/?next=/")
        api = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(api.status_code, 401)

    def test_a_password_change_ends_the_copied_session(self) -> None:
        browser, copy = self.copied_cookie()
        browser.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        self.assertEqual(browser.get("/").status_code, 200)
        # The copy held the old session key: the change gave this browser a new one.
        self.assertRedirects(copy.get("/"), "/login/?next=/")


class ThrottleMessageTests(BaseTestCase):
    def test_the_wait_message_says_how_long_and_whom_to_ask(self) -> None:
        stranger = Client(REMOTE_ADDR="192.0.2.50")
        for _ in range(5):
            stranger.post("/login/", {"username": "soudan", "password": "wrong"})
        response = stranger.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertContains(
            response,
            "ログインの失敗が続いたため、この端末からのログインを一時的に制限しています。"
            "1分ほど待ってから、もう一度お試しください。"
            "急ぐときは、所属機関の管理者に制限の解除を依頼してください。",
        )
