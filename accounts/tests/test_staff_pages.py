from django.test import override_settings

from accounts.models import StaffRole, User
from accounts.roles import Role
from accounts.services import staff_version
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase, audit_lock_queries, sign_in


class StaffListTests(BaseTestCase):
    def test_it_lists_the_staff_of_the_own_office_only(self) -> None:
        self.login(self.admin)
        response = self.client.get("/staff/")
        self.assertContains(response, "相談 花子")
        self.assertContains(response, "同僚 一郎")
        self.assertNotContains(response, "港 一")
        self.assertNotContains(response, "包括 和子")

    def test_it_audits_the_list_read_with_ids_and_no_names(self) -> None:
        self.login(self.admin)
        self.client.get("/staff/")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="accounts.user")
        self.assertEqual(row.actor_id, self.admin.pk)
        self.assertIn(self.soudan.pk, row.detail["ids"])
        self.assertNotIn(self.minato.pk, row.detail["ids"])
        self.assertNotIn("相談", row.canonical())

    def test_it_refuses_a_worker_without_the_right_with_403(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/staff/")
        self.assertContains(response, "権限がありません", status_code=403)
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.detail, {"reason": "missing_right", "right": "manage_staff"})

    def test_the_list_takes_a_fixed_number_of_queries(self) -> None:
        self.login(self.admin)
        self.client.get("/staff/")  # warm the session
        # session, user with organisation, roles, the count of the search (paging), the page of
        # staff, their roles, audit row (savepoint, lock on PostgreSQL, last row, insert,
        # release), the office's staff ids and the accounts among them waiting to sign in,
        # session save (savepoint, update, release)
        with self.assertNumQueries(15 + audit_lock_queries()):
            self.client.get("/staff/")


class StaffDetailTests(BaseTestCase):
    def test_it_shows_a_colleague_to_the_administrator(self) -> None:
        self.login(self.admin)
        response = self.client.get(f"/staff/{self.soudan.pk}/")
        self.assertContains(response, "相談 花子（soudan）")

    def test_another_offices_staff_is_404_and_audited(self) -> None:
        self.login(self.admin)
        response = self.client.get(f"/staff/{self.minato.pk}/")
        self.assertContains(response, "ページが見つかりません", status_code=404)
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(
            (row.object_id, row.detail), (str(self.minato.pk), {"reason": "out_of_scope"})
        )

    def test_a_missing_record_is_the_same_404_without_an_audit_row(self) -> None:
        self.login(self.admin)
        response = self.client.get("/staff/999999/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DENIED), [])

    def test_a_colleague_without_the_right_gets_403(self) -> None:
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/staff/{self.soudan.pk}/").status_code, 403)

    def test_another_office_without_the_right_still_gets_404_not_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(f"/staff/{self.soudan.pk}/").status_code, 404)

    def test_it_saves_roles_and_audits_the_change(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.douryou.pk}/",
            {
                "roles": ["consultation_worker", "coordinator"],
                "is_active": "on",
                "version": staff_version(self.douryou),
            },
        )
        self.assertRedirects(response, f"/staff/{self.douryou.pk}/")
        roles = set(StaffRole.objects.filter(user=self.douryou).values_list("role", flat=True))
        self.assertEqual(roles, {Role.CONSULTATION_WORKER, Role.COORDINATOR})
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual((row.object_id, row.detail), (str(self.douryou.pk), {"fields": ["roles"]}))

    def test_a_stale_save_is_refused_and_shows_both_versions(self) -> None:
        self.login(self.admin)
        stale = staff_version(self.douryou)
        StaffRole.objects.create(user=self.douryou, role=Role.OUTREACH_WORKER)  # someone else
        response = self.client.post(
            f"/staff/{self.douryou.pk}/",
            {"roles": ["auditor"], "is_active": "on", "version": stale},
        )
        self.assertContains(response, "ほかの人が先に更新しました")
        self.assertContains(response, "相談支援員・アウトリーチ支援員")
        roles = set(StaffRole.objects.filter(user=self.douryou).values_list("role", flat=True))
        self.assertEqual(roles, {Role.CONSULTATION_WORKER, Role.OUTREACH_WORKER})
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])

    def test_a_stale_form_keeps_the_users_input(self) -> None:
        self.login(self.admin)
        stale = staff_version(self.douryou)
        StaffRole.objects.create(user=self.douryou, role=Role.OUTREACH_WORKER)
        response = self.client.post(
            f"/staff/{self.douryou.pk}/",
            {"roles": ["auditor"], "is_active": "on", "version": stale},
        )
        form = response.context["form"]
        self.assertEqual(form.data.getlist("roles"), ["auditor"])
        fresh = User.objects.get(pk=self.douryou.pk)
        self.assertEqual(form.data["version"], staff_version(fresh))


@override_settings(SESSION_COOKIE_AGE=1800)
class ExpiredSessionTests(BaseTestCase):
    def test_a_form_posted_after_the_session_expired_is_kept_for_after_login(self) -> None:
        from tsunagu.test import PASSWORD

        self.client.post("/login/", {"username": "admin", "password": PASSWORD})
        version = staff_version(self.douryou)
        self.client.session.flush()
        self.client.cookies.pop("sessionid")  # the idle session has expired
        response = self.client.post(
            f"/staff/{self.douryou.pk}/",
            {"roles": ["coordinator"], "is_active": "on", "version": version},
        )
        self.assertRedirects(
            response, f"/login/?next=/staff/{self.douryou.pk}/", fetch_redirect_response=False
        )
        login_page = self.client.get(response["Location"])
        self.assertContains(login_page, "入力中の内容は保存されています")
        response = sign_in(self.client, self.admin, next_url=f"/staff/{self.douryou.pk}/")
        self.assertContains(response, "入力していた内容を復元しました")
        self.assertEqual(response.context["form"].data.getlist("roles"), ["coordinator"])
        self.assertEqual(StaffRole.objects.filter(user=self.douryou, role="coordinator").count(), 0)

    def test_kept_input_is_not_shown_to_a_different_user(self) -> None:
        from tsunagu.test import PASSWORD

        self.client.post("/login/", {"username": "admin", "password": PASSWORD})
        self.client.session.flush()
        self.client.cookies.pop("sessionid")
        self.client.post(f"/staff/{self.douryou.pk}/", {"roles": ["coordinator"], "version": "x"})
        StaffRole.objects.create(user=self.soudan, role=Role.ADMINISTRATOR)
        response = sign_in(self.client, self.soudan, next_url=f"/staff/{self.douryou.pk}/")
        self.assertNotContains(response, "復元しました")
        self.assertFalse(response.context["form"].is_bound)


class AnonymousPostTests(BaseTestCase):
    def test_an_anonymous_post_stores_no_session(self) -> None:
        from django.contrib.sessions.models import Session

        before = Session.objects.count()
        for _ in range(3):
            response = self.client.post("/persons/new/", {"family_name": "x" * 100_000})
            self.assertEqual(response.status_code, 302)
        self.assertEqual(Session.objects.count(), before)

    @override_settings(KEPT_FORM_MAX_BYTES=1000)
    def test_a_form_over_the_bound_is_not_kept(self) -> None:
        from django.contrib.sessions.models import Session

        from tsunagu.test import PASSWORD

        self.client.post("/login/", {"username": "admin", "password": PASSWORD})
        self.client.session.flush()
        self.client.cookies.pop("sessionid")
        before = Session.objects.count()
        self.client.post(f"/staff/{self.douryou.pk}/", {"note": "x" * 2000})
        self.assertEqual(Session.objects.count(), before)
        self.assertNotContains(self.client.get("/login/"), "入力中の内容は保存されています")
