"""The second factor at sign-in: the code prompt, enrolment, recovery codes, the reset."""

import re
from base64 import b32decode

from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.known_devices import KNOWN_DEVICE_COOKIE
from accounts.models import ApiToken
from accounts.otp import CODE_WAIT_MESSAGE, WRONG_CODE_MESSAGE
from audit.models import AuditEvent
from tsunagu.test import PASSWORD, BaseTestCase, app_code, confirmed_app_of, sign_in

WRONG_CODE = "確認コードが正しくないか、すでに使われたコードです。"


class CodePromptTests(BaseTestCase):
    def password(self, client: Client | None = None, username: str = "soudan") -> str:
        """Post the right password; the page the answer sends to."""
        response = (client or self.client).post(
            "/login/", {"username": username, "password": PASSWORD}
        )
        self.assertEqual(response.status_code, 302)
        return str(response["Location"])

    def test_the_password_alone_leads_to_the_code_prompt_in_japanese(self) -> None:
        confirmed_app_of(self.soudan)
        self.assertEqual(self.password(), "/login/code/?next=/")
        page = self.client.get("/login/code/?next=/")
        self.assertContains(page, "<h1>確認コードの入力</h1>", html=True)
        self.assertContains(page, "認証アプリに表示されている6桁の数字")

    def test_the_code_prompt_has_no_menu_and_asks_nothing_in_the_background(self) -> None:
        """The menu's counts load after a page; on the prompt that request would race the
        code's answer (which renews the session) and could put the old session cookie back."""
        confirmed_app_of(self.soudan)
        self.password()
        page = self.client.get("/login/code/?next=/")
        self.assertNotContains(page, "メインメニュー")
        self.assertNotContains(page, "/menu/counts/")
        self.assertContains(page, "ログアウト")

    def test_no_page_opens_before_the_code(self) -> None:
        confirmed_app_of(self.soudan)
        self.password()
        for path in ("/", "/persons/", "/account/"):
            with self.subTest(path=path):
                self.assertRedirects(
                    self.client.get(path),
                    f"/login/code/?next={path}",
                    fetch_redirect_response=False,
                )

    def test_the_right_code_opens_the_pages_and_is_audited(self) -> None:
        device = confirmed_app_of(self.soudan)
        self.password()
        self.assertNotIn(KNOWN_DEVICE_COOKIE, self.client.cookies)
        response = self.client.post("/login/code/?next=/persons/", {"code": app_code(device)})
        self.assertRedirects(response, "/persons/")
        self.assertEqual(self.client.get("/").status_code, 200)
        # Only now is the browser a known device of the account.
        self.assertIn(KNOWN_DEVICE_COOKIE, self.client.cookies)
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.user")
        self.assertEqual(row.detail, {"reason": "totp_verified"})

    def test_a_wrong_code_is_refused_in_japanese_and_audited(self) -> None:
        confirmed_app_of(self.soudan)
        self.password()
        response = self.client.post("/login/code/", {"code": "000000"})
        self.assertContains(response, WRONG_CODE)
        self.assertRedirects(self.client.get("/"), "/login/code/?next=/")
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)
        self.assertEqual((row.actor_id, row.detail), (self.soudan.pk, {"reason": "totp_failed"}))

    def test_a_code_used_once_is_refused_within_its_window(self) -> None:
        device = confirmed_app_of(self.soudan)
        code = app_code(device)
        self.password()
        self.assertEqual(self.client.post("/login/code/", {"code": code}).status_code, 302)
        device.refresh_from_db()
        used_step = device.last_t
        # Someone who saw the code types it on another browser, within the same 30 seconds.
        other = Client()
        self.password(other)
        response = other.post("/login/code/", {"code": code})
        self.assertContains(response, WRONG_CODE)
        self.assertRedirects(other.get("/"), "/login/code/?next=/")
        device.refresh_from_db()
        self.assertEqual(device.last_t, used_step)

    def test_repeated_wrong_codes_make_the_app_wait_and_say_so(self) -> None:
        confirmed_app_of(self.soudan)
        self.password()
        for _ in range(3):
            self.client.post("/login/code/", {"code": "000000"})
        response = self.client.post("/login/code/", {"code": "000000"})
        self.assertContains(response, "秒ほど待ってから入力してください")
        self.assertContains(response, "リカバリーコードを入力するか、管理者に連絡してください")
        self.assertIn("%(seconds)s", CODE_WAIT_MESSAGE)
        self.assertNotEqual(CODE_WAIT_MESSAGE, WRONG_CODE_MESSAGE)

    def test_roles_without_personal_data_sign_in_with_the_password_alone(self) -> None:
        for user in (self.kansa, self.toukei):
            with self.subTest(user=user.username):
                client = Client()
                self.assertEqual(self.password(client, user.username), "/")
                self.assertEqual(client.get("/").status_code, 200)

    def test_an_administrator_signs_in_with_the_code_too(self) -> None:
        # Administrators give roles, their own included: their account is worth a worker's.
        self.assertEqual(self.password(username="admin"), "/login/enrol/?next=/")

    @override_settings(TOTP_REQUIRED=False)
    def test_with_the_setting_off_nobody_is_asked_for_a_code(self) -> None:
        confirmed_app_of(self.soudan)
        self.assertEqual(self.password(), "/")
        self.assertEqual(self.client.get("/").status_code, 200)

    def test_an_api_token_needs_no_code(self) -> None:
        _, token = ApiToken.issue(self.soudan)
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 200)


def key_on_page(content: str) -> bytes:
    key = re.search(r'<code class="totp-key">([A-Z2-7 ]+)</code>', content)
    assert key is not None, "no manual key on the page"
    letters = key.group(1).replace(" ", "")
    return b32decode(letters + "=" * (-len(letters) % 8))


def code_for(key: bytes) -> str:
    """What an authenticator app given this key shows now."""
    return str(TOTP(key).token()).zfill(6)


class EnrolmentTests(BaseTestCase):
    def test_a_worker_without_an_app_is_sent_to_enrol_with_a_qr_code_and_the_key(self) -> None:
        response = self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertRedirects(response, "/login/enrol/?next=/", fetch_redirect_response=False)
        page = self.client.get("/login/enrol/?next=/")
        self.assertContains(page, "<h1>認証アプリの登録</h1>", html=True)
        self.assertContains(page, '<svg width="', html=False)
        self.assertContains(page, "認証アプリに読み取らせるQRコード")
        self.assertRegex(page.content.decode(), r'class="totp-key">[A-Z2-7]{4} ')
        # A reload shows the same key: the QR code being scanned does not change.
        self.assertEqual(
            key_on_page(page.content.decode()),
            key_on_page(self.client.get("/login/enrol/").content.decode()),
        )
        self.assertRedirects(self.client.get("/"), "/login/enrol/?next=/")

    def test_confirming_with_a_code_enrols_and_shows_ten_recovery_codes_once(self) -> None:
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        key = key_on_page(self.client.get("/login/enrol/").content.decode())

        response = self.client.post("/login/enrol/?next=/", {"code": code_for(key)})

        self.assertContains(response, "<h1>リカバリーコード</h1>", html=True)
        codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
        self.assertEqual(len(codes), 10)
        self.assertEqual(
            sorted(
                StaticToken.objects.filter(device__user=self.soudan).values_list("token", flat=True)
            ),
            sorted(codes),
        )
        self.assertTrue(TOTPDevice.objects.get(user=self.soudan).confirmed)
        self.assertEqual(self.client.get("/").status_code, 200)
        reasons = [
            row.detail["reason"]
            for row in self.audit_rows(action=AuditEvent.Action.UPDATE, actor=self.soudan)
        ]
        self.assertEqual(reasons, ["totp_enrolled", "recovery_codes_renewed"])
        # The account page says so, without the codes.
        account = self.client.get("/account/")
        self.assertContains(account, "リカバリーコードの残り: 10個")
        self.assertNotContains(account, codes[0])

    def test_a_wrong_code_enrols_nothing(self) -> None:
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.client.get("/login/enrol/")
        response = self.client.post("/login/enrol/", {"code": "123456"})
        self.assertContains(response, WRONG_CODE)
        self.assertFalse(TOTPDevice.objects.filter(user=self.soudan, confirmed=True).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.soudan).exists())

    def test_a_worker_with_an_app_cannot_enrol_another_without_the_reset(self) -> None:
        confirmed_app_of(self.soudan)
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertRedirects(
            self.client.get("/login/enrol/"), "/login/code/", fetch_redirect_response=False
        )
        self.assertEqual(TOTPDevice.objects.filter(user=self.soudan).count(), 1)


class RecoveryCodeTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/account/recovery-codes/")
        self.codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
        self.client.post("/logout/")

    def test_a_recovery_code_signs_in_once_and_says_how_many_are_left(self) -> None:
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        response = self.client.post("/login/code/", {"code": self.codes[0]}, follow=True)
        self.assertContains(response, "リカバリーコードでログインしました（残り9個）")
        self.client.post("/logout/")

        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        response = self.client.post("/login/code/", {"code": self.codes[0]})
        self.assertContains(response, WRONG_CODE)
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, detail__reason="recovery_code_used"
        )
        self.assertEqual(row.detail["left"], 9)

    def test_a_code_typed_in_capitals_with_a_space_is_accepted(self) -> None:
        self.client.post("/login/", {"username": "soudan", "password": PASSWORD})
        typed = self.codes[1][:4].upper() + " " + self.codes[1][4:].upper()
        self.assertRedirects(self.client.post("/login/code/", {"code": typed}), "/")

    def test_renewing_the_codes_ends_the_old_ones(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/account/recovery-codes/")
        new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
        self.assertEqual(len(new), 10)
        self.assertFalse(StaticToken.objects.filter(token__in=self.codes).exists())


class ResetTests(BaseTestCase):
    def reset(self, reason: str) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.soudan.pk}/totp/reset/", {"reason": reason})
        self.assertRedirects(response, f"/staff/{self.soudan.pk}/")

    def test_the_administrator_resets_with_a_reason_ending_the_workers_sessions(self) -> None:
        worker = Client()
        sign_in(worker, self.soudan)
        self.assertEqual(worker.get("/").status_code, 200)

        self.reset("スマートフォンの紛失")

        self.assertFalse(TOTPDevice.objects.filter(user=self.soudan).exists())
        self.assertFalse(StaticDevice.objects.filter(user=self.soudan).exists())
        self.assertRedirects(worker.get("/"), "/login/?next=/")
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, actor=self.admin)
        self.assertEqual(row.object_id, str(self.soudan.pk))
        self.assertEqual(row.detail["reason"], "totp_reset")
        self.assertEqual(row.detail["note"], "スマートフォンの紛失")
        # The next sign-in enrols a new app.
        response = worker.post("/login/", {"username": "soudan", "password": PASSWORD})
        self.assertRedirects(response, "/login/enrol/?next=/", fetch_redirect_response=False)

    def test_a_reset_without_a_reason_is_refused_and_removes_nothing(self) -> None:
        confirmed_app_of(self.soudan)
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/totp/reset/", {"reason": " "}, follow=True
        )
        self.assertContains(response, "リセットの理由を入力してください。")
        self.assertTrue(TOTPDevice.objects.filter(user=self.soudan).exists())

    def test_the_staff_page_shows_the_app_and_the_reset(self) -> None:
        confirmed_app_of(self.soudan)
        self.login(self.admin)
        response = self.client.get(f"/staff/{self.soudan.pk}/")
        self.assertContains(response, "認証アプリ: 登録済み")
        self.assertContains(response, "認証アプリをリセットする")

    def test_a_worker_cannot_reset_a_colleague_nor_another_office_its_staff(self) -> None:
        confirmed_app_of(self.douryou)
        self.login(self.soudan)
        url = f"/staff/{self.douryou.pk}/totp/reset/"
        self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 403)
        self.login(self.admin)
        url = f"/staff/{self.minato.pk}/totp/reset/"
        self.assertEqual(self.client.post(url, {"reason": "x"}).status_code, 404)
        self.assertTrue(TOTPDevice.objects.filter(user=self.douryou).exists())
