"""Creating, searching, deactivating and reactivating staff; the last administrator stays."""

from django.core.exceptions import ValidationError

from accounts.models import StaffRole, User
from accounts.roles import Role
from accounts.services import LAST_ADMINISTRATOR, staff_set_active, staff_version
from accounts.staff.services import DUPLICATE_USERNAME
from accounts.staff.views import PAGE_SIZE
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase


def fresh(user: User) -> User:
    return User.objects.prefetch_related("staff_roles").get(pk=user.pk)


class StaffCreateTests(BaseTestCase):
    def test_it_creates_an_account_of_the_own_office_without_a_password(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            "/staff/new/",
            {"username": "shinjin", "display_name": "新人 次郎", "roles": ["outreach_worker"]},
        )
        created = User.objects.get(username="shinjin")
        self.assertRedirects(response, f"/staff/{created.pk}/")
        self.assertEqual(created.organisation_id, self.window.pk)
        self.assertFalse(created.has_usable_password())
        self.assertEqual(fresh(created).role_codes, {Role.OUTREACH_WORKER})
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE, object_type="accounts.user")
        self.assertEqual(row.detail["roles"], ["outreach_worker"])
        self.assertNotIn("新人", row.canonical())

    def test_a_duplicate_username_is_refused_at_its_field_and_nothing_is_saved(self) -> None:
        self.login(self.admin)
        before = User.objects.count()
        for username in ("soudan", "Soudan", "minato"):  # any office, any case
            response = self.client.post(
                "/staff/new/",
                {"username": username, "display_name": "別人", "roles": ["auditor"]},
            )
            self.assertEqual(
                response.context["form"].errors["username"],
                [DUPLICATE_USERNAME.format(username=username)],
            )
        self.assertEqual(User.objects.count(), before)

    def test_missing_values_are_refused_in_japanese(self) -> None:
        self.login(self.admin)
        response = self.client.post("/staff/new/", {"username": "ok", "display_name": ""})
        errors = response.context["form"].errors
        self.assertEqual(errors["display_name"], ["氏名を入力してください。"])
        self.assertEqual(errors["roles"], ["役割を1つ以上選んでください。"])

    def test_a_username_with_other_characters_is_refused(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            "/staff/new/", {"username": "山田", "display_name": "山田", "roles": ["auditor"]}
        )
        self.assertIn("半角の英数字", response.context["form"].errors["username"][0])

    def test_a_worker_gets_403(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get("/staff/new/").status_code, 403)


class LastAdministratorTests(BaseTestCase):
    def test_the_last_administrator_cannot_be_deactivated(self) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.admin.pk}/deactivate/", follow=True)
        self.assertContains(response, LAST_ADMINISTRATOR)
        self.assertTrue(fresh(self.admin).is_active)

    def test_the_last_administrator_cannot_lose_the_role(self) -> None:
        self.login(self.admin)
        admin = fresh(self.admin)
        response = self.client.post(
            f"/staff/{admin.pk}/",
            {"roles": ["statistics_clerk"], "version": staff_version(admin)},
        )
        self.assertContains(response, LAST_ADMINISTRATOR)
        self.assertEqual(fresh(self.admin).role_codes, {Role.ADMINISTRATOR})

    def test_with_a_second_administrator_either_may_go(self) -> None:
        StaffRole.objects.create(user=self.douryou, role=Role.ADMINISTRATOR)
        self.login(self.admin)
        self.client.post(f"/staff/{self.admin.pk}/deactivate/")
        self.assertFalse(fresh(self.admin).is_active)
        # Now 同僚 is the last one.
        with self.assertRaisesMessage(ValidationError, LAST_ADMINISTRATOR):
            staff_set_active(staff=fresh(self.douryou), is_active=False, by=self.douryou)

    def test_an_inactive_administrator_does_not_count(self) -> None:
        StaffRole.objects.create(user=self.douryou, role=Role.ADMINISTRATOR)
        User.objects.filter(pk=self.douryou.pk).update(is_active=False)
        with self.assertRaisesMessage(ValidationError, LAST_ADMINISTRATOR):
            staff_set_active(staff=fresh(self.admin), is_active=False, by=self.admin)


class ActivationTests(BaseTestCase):
    def test_deactivation_and_reactivation_are_audited(self) -> None:
        self.login(self.admin)
        self.client.post(f"/staff/{self.douryou.pk}/deactivate/")
        self.assertFalse(fresh(self.douryou).is_active)
        self.client.post(f"/staff/{self.douryou.pk}/reactivate/")
        self.assertTrue(fresh(self.douryou).is_active)
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.douryou.pk))
        self.assertEqual([row.detail for row in rows], [{"fields": ["is_active"]}] * 2)

    def test_reactivating_an_active_account_says_so(self) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.douryou.pk}/reactivate/", follow=True)
        self.assertContains(response, "同僚 一郎 さんはすでに利用中です。")

    def test_another_offices_staff_is_404(self) -> None:
        self.login(self.admin)
        for action in ("deactivate", "reactivate", "invite"):
            response = self.client.post(f"/staff/{self.minato.pk}/{action}/")
            self.assertEqual(response.status_code, 404)
        self.assertTrue(fresh(self.minato).is_active)

    def test_the_roles_form_no_longer_switches_the_account_off(self) -> None:
        self.login(self.admin)
        douryou = fresh(self.douryou)
        self.client.post(
            f"/staff/{douryou.pk}/",
            {"roles": ["consultation_worker"], "is_active": "", "version": staff_version(douryou)},
        )
        self.assertTrue(fresh(self.douryou).is_active)


class StaffSearchTests(BaseTestCase):
    def test_it_searches_by_name_or_username(self) -> None:
        self.login(self.admin)
        response = self.client.get("/staff/", {"q": "同僚"})
        self.assertEqual([member.pk for member in response.context["staff"]], [self.douryou.pk])
        response = self.client.get("/staff/", {"q": "SOUDAN"})
        self.assertEqual([member.pk for member in response.context["staff"]], [self.soudan.pk])

    def test_it_filters_by_state_and_role(self) -> None:
        User.objects.filter(pk=self.douryou.pk).update(is_active=False)
        self.login(self.admin)
        inactive = self.client.get("/staff/", {"state": "inactive"}).context["staff"]
        self.assertEqual([member.pk for member in inactive], [self.douryou.pk])
        auditors = self.client.get("/staff/", {"role": "auditor"}).context["staff"]
        self.assertEqual([member.pk for member in auditors], [self.kansa.pk])

    def test_it_never_finds_another_offices_staff(self) -> None:
        self.login(self.admin)
        self.assertEqual(list(self.client.get("/staff/", {"q": "minato"}).context["staff"]), [])

    def test_it_pages_in_sql_and_keeps_the_search_in_the_links(self) -> None:
        User.objects.bulk_create(
            User(username=f"zz{i:03}", display_name=f"臨時 {i}", organisation=self.window)
            for i in range(PAGE_SIZE + 5)
        )
        self.login(self.admin)
        first = self.client.get("/staff/", {"q": "臨時"})
        self.assertEqual(len(first.context["staff"]), PAGE_SIZE)
        self.assertContains(first, "q=%E8%87%A8%E6%99%82&amp;page=2")
        second = self.client.get("/staff/", {"q": "臨時", "page": 2})
        self.assertEqual(len(second.context["staff"]), 5)
        # The audit row names the ids shown on the page, not the whole office.
        row = self.audit_rows(action=AuditEvent.Action.READ, object_type="accounts.user")[-1]
        self.assertEqual(len(row.detail["ids"]), 5)


class ReauthenticationTests(BaseTestCase):
    def test_deactivation_and_invitation_ask_for_the_password_again_after_a_while(self) -> None:
        from accounts.reauth import AUTHENTICATED_AT_SESSION_KEY

        self.login(self.admin)
        session = self.client.session
        session[AUTHENTICATED_AT_SESSION_KEY] = 0  # signed in long ago
        session.save()
        for action in ("deactivate", "reactivate", "invite"):
            response = self.client.post(f"/staff/{self.douryou.pk}/{action}/")
            self.assertRedirects(
                response,
                f"/login/again/?next=%2Fstaff%2F{self.douryou.pk}%2F{action}%2F",
                fetch_redirect_response=False,
            )
        self.assertTrue(fresh(self.douryou).is_active)
