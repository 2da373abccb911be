"""Sessions and tokens that end stay dead: deactivation, password change, expiry, revocation."""

from datetime import timedelta
from io import StringIO

from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken, User
from audit.models import AuditEvent
from tsunagu.test import PASSWORD, BaseTestCase, sign_in


def signed_in(user: User) -> Client:
    """A browser of `user` signed in through the pages (password, then the app's code)."""
    client = Client()
    response = sign_in(client, user)
    assert response.wsgi_request.path == "/", response.wsgi_request.path
    return client


def issue(user: User, *options: str) -> str:
    out = StringIO()
    call_command("create_api_token", user.username, *options, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def api_status(token: str) -> int:
    return Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


class DeactivationTests(BaseTestCase):
    def set_active(self, active: bool) -> None:
        action = "reactivate" if active else "deactivate"
        response = self.client.post(f"/staff/{self.soudan.pk}/{action}/")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(User.objects.get(pk=self.soudan.pk).is_active, active)

    def test_a_reactivated_users_old_session_and_token_stay_dead(self) -> None:
        session = signed_in(self.soudan)
        token = issue(self.soudan)
        self.assertEqual(session.get("/").status_code, 200)
        self.assertEqual(api_status(token), 200)
        self.login(self.admin)

        self.set_active(False)
        self.set_active(True)

        self.assertRedirects(session.get("/"), "/login/?next=/")
        self.assertEqual(api_status(token), 401)
        # A fresh sign-in works again: only the old credentials are dead.
        self.assertEqual(signed_in(self.soudan).get("/").status_code, 200)

    def test_deactivation_revokes_every_token_with_an_audit_row_naming_the_administrator(
        self,
    ) -> None:
        issue(self.soudan)
        issue(self.soudan)
        self.login(self.admin)
        self.set_active(False)
        tokens = ApiToken.objects.filter(user=self.soudan)
        self.assertTrue(all(token.revoked_at is not None for token in tokens))
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.apitoken")
        self.assertEqual(
            sorted((row.object_id, row.actor_id, row.detail["reason"]) for row in rows),
            sorted((str(token.pk), self.admin.pk, "deactivated") for token in tokens),
        )


class PasswordChangeTests(BaseTestCase):
    def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(self) -> None:
        other = signed_in(self.soudan)
        this = signed_in(self.soudan)
        token = issue(self.soudan)

        response = this.post(
            "/account/password/",
            {
                "old_password": PASSWORD,
                "new_password1": "a new long passphrase 2026",
                "new_password2": "a new long passphrase 2026",
            },
        )

        self.assertRedirects(response, "/account/")
        self.assertEqual(this.get("/").status_code, 200)
        self.assertRedirects(other.get("/"), "/login/?next=/")
        self.assertEqual(api_status(token), 401)
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.apitoken")
        self.assertEqual(
            row.detail,
            {"reason": "password_changed", "user": self.soudan.pk, "fields": ["revoked_at"]},
        )

    def test_a_wrong_old_password_changes_nothing(self) -> None:
        this = signed_in(self.soudan)
        token = issue(self.soudan)
        response = this.post(
            "/account/password/",
            {
                "old_password": "wrong",
                "new_password1": "x y z 2026 q",
                "new_password2": "x y z 2026 q",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(api_status(token), 200)

    def test_a_password_set_from_the_command_line_ends_every_session(self) -> None:
        session = signed_in(self.soudan)
        user = User.objects.get(pk=self.soudan.pk)
        user.set_password("another long passphrase")
        user.save()
        self.assertRedirects(session.get("/"), "/login/?next=/")

    def test_a_hash_upgrade_at_sign_in_is_not_a_password_change(self) -> None:
        token = issue(self.soudan)
        user = User.objects.get(pk=self.soudan.pk)
        # A hash from an older hasher is upgraded when the password is next checked.
        User.objects.filter(pk=user.pk).update(password="pbkdf2_sha256$1000$salt$" + "x" * 10)
        user.refresh_from_db()
        user.set_password(PASSWORD)
        user._password = None  # as Django's hasher upgrade does before saving
        user.save(update_fields=["password"])
        self.assertEqual(api_status(token), 200)


class TokenLifetimeTests(BaseTestCase):
    def test_an_expired_token_is_401_and_audited_as_expired(self) -> None:
        token = issue(self.soudan)
        ApiToken.objects.filter(user=self.soudan).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
        response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        self.assertEqual(response.status_code, 401)
        (row,) = self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)
        self.assertEqual(row.detail, {"reason": "expired_api_token"})

    def test_a_token_expires_after_the_default_days(self) -> None:
        issue(self.soudan)
        token = ApiToken.objects.get(user=self.soudan)
        self.assertEqual((token.expires_at - token.created_at).days, 90)

    def test_the_command_takes_days(self) -> None:
        issue(self.soudan, "--expires", "30")
        token = ApiToken.objects.get(user=self.soudan)
        self.assertEqual(round((token.expires_at - timezone.now()).total_seconds() / 86400), 30)

    def test_the_command_takes_a_date_valid_to_its_end(self) -> None:
        day = timezone.localdate() + timedelta(days=10)
        issue(self.soudan, "--expires", day.isoformat())
        expires = timezone.localtime(ApiToken.objects.get(user=self.soudan).expires_at)
        self.assertEqual((expires.date(), expires.hour, expires.minute), (day, 23, 59))

    def test_the_command_refuses_a_past_date_or_nonsense_and_issues_nothing(self) -> None:
        for value in ("2020-01-01", "soon", "0", "2026-02-30"):
            with self.subTest(value=value), self.assertRaises(CommandError):
                issue(self.soudan, "--expires", value)
        self.assertFalse(ApiToken.objects.exists())

    def test_the_revoke_command_ends_every_token_of_the_user(self) -> None:
        tokens = [issue(self.soudan), issue(self.soudan)]
        colleague = issue(self.douryou)
        out = StringIO()
        call_command("revoke_api_tokens", "soudan", stdout=out)
        self.assertIn("2 件を失効させました", out.getvalue())
        self.assertEqual([api_status(token) for token in tokens], [401, 401])
        self.assertEqual(api_status(colleague), 200)
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.apitoken")
        self.assertEqual({row.detail["reason"] for row in rows}, {"revoked_by_command"})
        self.assertEqual({row.organisation_id for row in rows}, {self.window.pk})

    def test_the_revoke_command_refuses_an_unknown_user(self) -> None:
        with self.assertRaisesMessage(CommandError, "見つかりません"):
            call_command("revoke_api_tokens", "nobody")


class OwnerAndAdministratorRevocationTests(BaseTestCase):
    def test_the_owner_sees_and_revokes_a_token_on_the_account_page(self) -> None:
        token = issue(self.soudan)
        stored = ApiToken.objects.get(user=self.soudan)
        self.login(self.soudan)
        page = self.client.get("/account/")
        self.assertContains(page, f"#{stored.pk}")
        self.assertContains(page, "失効させる")

        response = self.client.post(f"/account/tokens/{stored.pk}/revoke/")

        self.assertRedirects(response, "/account/")
        self.assertEqual(api_status(token), 401)
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.apitoken")
        self.assertEqual((row.actor_id, row.detail["reason"]), (self.soudan.pk, "revoked_by_owner"))
        self.assertContains(self.client.get("/account/"), "失効")

    def test_another_users_token_is_404_and_stays_usable(self) -> None:
        token = issue(self.douryou)
        stored = ApiToken.objects.get(user=self.douryou)
        self.login(self.soudan)
        self.assertEqual(self.client.post(f"/account/tokens/{stored.pk}/revoke/").status_code, 404)
        self.assertEqual(api_status(token), 200)

    def test_the_administrator_revokes_a_colleagues_tokens_on_the_staff_page(self) -> None:
        token = issue(self.soudan)
        self.login(self.admin)
        self.assertContains(self.client.get(f"/staff/{self.soudan.pk}/"), "有効")
        response = self.client.post(f"/staff/{self.soudan.pk}/tokens/revoke/")
        self.assertRedirects(response, f"/staff/{self.soudan.pk}/")
        self.assertEqual(api_status(token), 401)
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="accounts.apitoken")
        self.assertEqual(
            (row.actor_id, row.detail["reason"]), (self.admin.pk, "revoked_by_administrator")
        )

    def test_another_offices_administrator_cannot_revoke(self) -> None:
        token = issue(self.minato)
        self.login(self.admin)
        self.assertEqual(
            self.client.post(f"/staff/{self.minato.pk}/tokens/revoke/").status_code, 404
        )
        self.assertEqual(api_status(token), 200)
