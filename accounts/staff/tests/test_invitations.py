"""The one-time invitation link: shown once, stored as a digest, refused when used or expired."""

import re
from datetime import timedelta

from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import StaffInvitation, User
from accounts.staff.services import (
    ALREADY_SIGNED_UP,
    INVITATION_UNUSABLE,
    NewStaff,
    invitation_digest,
    staff_create,
)
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase

GOOD_PASSWORD = "hikari no naka de 2026"


class InvitationTests(BaseTestCase):
    def setUp(self) -> None:
        self.new = staff_create(
            organisation_id=self.window.pk,
            new=NewStaff("shinjin", "新人 次郎", ("consultation_worker",)),
            by=self.admin,
        )

    def invite(self) -> str:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.new.pk}/invite/")
        self.assertEqual(response.status_code, 200)
        match = re.search(r"/invite/([\w-]+)/", response.content.decode())
        assert match is not None
        return match.group(1)

    def accept(self, token: str, password: str = GOOD_PASSWORD) -> Client:
        browser = Client()
        opened = browser.get(f"/invite/{token}/")
        self.assertRedirects(opened, "/invite/", fetch_redirect_response=False)
        browser.post("/invite/", {"password": password, "password_again": password})
        return browser

    def test_the_link_is_shown_once_and_only_its_digest_is_stored(self) -> None:
        token = self.invite()
        (invitation,) = StaffInvitation.objects.filter(user=self.new)
        self.assertEqual(invitation.digest, invitation_digest(token))
        self.assertNotIn(token, invitation.digest)
        audit = "".join(row.canonical() for row in AuditEvent.objects.all())
        self.assertNotIn(token, audit)
        page = self.client.get(f"/staff/{self.new.pk}/")
        self.assertNotContains(page, token)

    @override_settings(INVITE_HOURS=72)
    def test_the_link_expires_after_the_hours_of_the_setting(self) -> None:
        before = timezone.now()
        self.invite()
        invitation = StaffInvitation.objects.get(user=self.new)
        self.assertAlmostEqual(
            invitation.expires_at, before + timedelta(hours=72), delta=timedelta(minutes=1)
        )

    def test_the_link_sets_the_password_and_the_new_staff_member_signs_in(self) -> None:
        token = self.invite()
        self.accept(token)
        user = User.objects.get(pk=self.new.pk)
        self.assertTrue(user.check_password(GOOD_PASSWORD))
        signed_in = Client().post("/login/", {"username": "shinjin", "password": GOOD_PASSWORD})
        # A role that sees personal data goes on to enrol the authenticator app first.
        self.assertRedirects(signed_in, "/login/enrol/?next=/", fetch_redirect_response=False)
        row = self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.new.pk))[-1]
        self.assertEqual(row.detail["reason"], "invitation_accepted")
        self.assertEqual(row.actor_id, self.new.pk)

    def test_the_password_validators_apply(self) -> None:
        token = self.invite()
        browser = Client()
        browser.get(f"/invite/{token}/")
        for password in ("short", "shinjin12345", "password1234"):
            response = browser.post("/invite/", {"password": password, "password_again": password})
            self.assertTrue(response.context["form"].errors["password"], password)
        self.assertFalse(User.objects.get(pk=self.new.pk).has_usable_password())

    def test_two_different_passwords_are_refused(self) -> None:
        token = self.invite()
        browser = Client()
        browser.get(f"/invite/{token}/")
        response = browser.post("/invite/", {"password": GOOD_PASSWORD, "password_again": "x"})
        self.assertContains(response, "確認のために入力したパスワードが一致しません。")

    def test_a_used_link_is_refused_with_a_message_to_ask_the_administrator(self) -> None:
        token = self.invite()
        self.accept(token)
        response = Client().get(f"/invite/{token}/")
        self.assertContains(response, INVITATION_UNUSABLE)
        self.assertContains(response, "管理者に、新しい招待リンクを発行してもらってください")

    def test_an_expired_link_is_refused(self) -> None:
        token = self.invite()
        StaffInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertContains(Client().get(f"/invite/{token}/"), INVITATION_UNUSABLE)

    def test_a_link_that_expires_while_the_form_is_open_is_refused(self) -> None:
        token = self.invite()
        browser = Client()
        browser.get(f"/invite/{token}/")
        StaffInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        response = browser.post(
            "/invite/", {"password": GOOD_PASSWORD, "password_again": GOOD_PASSWORD}
        )
        self.assertContains(response, INVITATION_UNUSABLE, status_code=410)
        self.assertFalse(User.objects.get(pk=self.new.pk).has_usable_password())

    def test_a_new_link_ends_the_earlier_one(self) -> None:
        first = self.invite()
        second = self.invite()
        self.assertContains(Client().get(f"/invite/{first}/"), INVITATION_UNUSABLE)
        self.accept(second)
        self.assertTrue(User.objects.get(pk=self.new.pk).has_usable_password())

    def test_a_deactivated_accounts_link_is_refused(self) -> None:
        token = self.invite()
        User.objects.filter(pk=self.new.pk).update(is_active=False)
        self.assertContains(Client().get(f"/invite/{token}/"), INVITATION_UNUSABLE)

    def test_an_unknown_link_stores_no_session(self) -> None:
        from django.contrib.sessions.models import Session

        before = Session.objects.count()
        response = Client().get("/invite/made-up-token/")
        self.assertContains(response, INVITATION_UNUSABLE)
        self.assertEqual(Session.objects.count(), before)

    def test_an_account_with_a_password_is_not_invited(self) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.soudan.pk}/invite/", follow=True)
        self.assertContains(response, ALREADY_SIGNED_UP.format(staff=self.soudan))
        self.assertFalse(StaffInvitation.objects.filter(user=self.soudan).exists())
