"""Who may open which supporter page: the rows of the authorisation matrix, persona by persona."""

from accounts.models import StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from cases.tests.helpers import open_case
from supporters.models import DispatchReport
from supporters.tests.helpers import dispatch, moved_to_past, register
from tsunagu.test import BaseTestCase


class PermissionTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.supporter_user = cls.world.staff["supporter"]
        cls.other_supporter_user = User.objects.create_user(
            username="supporter2",
            display_name="別の サポーター",
            organisation=cls.world.organisations["npo"],
        )
        StaffRole.objects.create(user=cls.other_supporter_user, role=Role.SUPPORTER)
        cls.case = open_case(cls.soudan)
        cls.supporter = register(cls.soudan, user=cls.supporter_user)
        cls.other = register(cls.soudan, "別の サポーター", user=cls.other_supporter_user)
        cls.dispatch = dispatch(cls.soudan, cls.supporter, cls.case)
        cls.others_dispatch = dispatch(cls.soudan, cls.other, cls.case)

    def worker_urls(self) -> list[str]:
        return [
            f"/supporters/{self.supporter.pk}/",
            f"/supporters/{self.supporter.pk}/edit/",
            f"/dispatches/{self.dispatch.pk}/",
        ]

    def status_of(self, user: User | None, url: str) -> int:
        self.client.logout()
        if user is not None:
            self.login(user)
        return self.client.get(url).status_code

    def test_same_office_workers_open_every_worker_page(self) -> None:
        for user in (self.soudan, self.douryou, self.world.staff["chousei"]):
            for url in ["/supporters/", "/dispatches/", "/dispatches/new/", *self.worker_urls()]:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.status_of(user, url), 200)

    def test_the_supporter_page_lists_the_dispatches_and_audits_their_reading(self) -> None:
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/supporters/{self.supporter.pk}/").status_code, 200)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="supporters.dispatch")
        self.assertEqual(row.detail["ids"], [self.dispatch.pk])

    def test_other_organisations_get_404_on_records_and_see_an_empty_list(self) -> None:
        for key in ("minato", "houkatsu", "jiritsu", "centre"):
            user = self.world.staff[key]
            for url in self.worker_urls():
                with self.subTest(user=key, url=url):
                    self.assertEqual(self.status_of(user, url), 404)
            self.login(user)
            self.assertNotContains(self.client.get("/supporters/"), "支援 ゆう")
            self.assertNotContains(self.client.get("/dispatches/"), "つなぐ駅")
            self.assertEqual(self.client.get("/my/dispatches/").status_code, 403)
        denied = self.audit_rows(
            action=AuditEvent.Action.DENIED, actor=self.minato, object_type="supporters.dispatch"
        )
        self.assertEqual(denied[0].detail["reason"], "out_of_scope")

    def test_statistics_clerk_and_auditor_get_403(self) -> None:
        for user in (self.toukei, self.kansa):
            for url in ["/supporters/", "/dispatches/", "/dispatches/new/", *self.worker_urls()]:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.status_of(user, url), 403)
            with self.subTest(user=user.username, url="/my/dispatches/"):
                self.assertEqual(self.status_of(user, "/my/dispatches/"), 403)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.toukei)
        self.assertTrue(all(row.detail["reason"] == "missing_right" for row in denied))

    def test_ibasho_staff_see_no_supporter_records(self) -> None:
        ibasho = self.world.staff["ibasho"]
        self.assertEqual(self.status_of(ibasho, "/supporters/"), 403)
        self.assertEqual(self.status_of(ibasho, f"/supporters/{self.supporter.pk}/"), 404)
        self.assertEqual(self.status_of(ibasho, f"/dispatches/{self.dispatch.pk}/"), 404)
        self.assertEqual(self.status_of(ibasho, "/my/dispatches/"), 403)

    def test_anonymous_visitors_are_sent_to_log_in(self) -> None:
        for url in ["/supporters/", "/dispatches/", "/my/dispatches/", *self.worker_urls()]:
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 302)
                self.assertIn("/login/", response["Location"])

    def test_a_supporter_sees_only_their_own_dispatches(self) -> None:
        self.login(self.supporter_user)
        listing = self.client.get("/my/dispatches/")
        self.assertEqual(listing.status_code, 200)
        self.assertEqual([d.pk for d in listing.context["upcoming"]], [self.dispatch.pk])
        self.assertEqual(self.client.get(f"/my/dispatches/{self.dispatch.pk}/").status_code, 200)
        read = self.audit_rows(action=AuditEvent.Action.READ, actor=self.supporter_user)
        self.assertEqual(read[0].detail["ids"], [self.dispatch.pk])
        self.assertNotIn("case", read[0].detail["fields"])

    def test_another_supporters_dispatch_is_404_and_audited(self) -> None:
        self.login(self.supporter_user)
        for url in (
            f"/my/dispatches/{self.others_dispatch.pk}/",
            f"/my/dispatches/{self.others_dispatch.pk}/report/",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        response = self.client.post(
            f"/my/dispatches/{self.others_dispatch.pk}/report/",
            {"what_happened": "なりすまし", "minutes_spent": "10", "concerns": ""},
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(DispatchReport.objects.exists())
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.supporter_user)
        self.assertEqual(len(denied), 3)
        self.assertEqual(
            {(row.object_type, row.object_id, row.detail["reason"]) for row in denied},
            {("supporters.dispatch", str(self.others_dispatch.pk), "out_of_scope")},
        )
        self.assertEqual(self.client.get("/my/dispatches/999999/").status_code, 404)

    def test_a_supporter_gets_404_on_worker_pages_and_on_case_and_person_records(self) -> None:
        moved_to_past(self.dispatch)
        self.login(self.supporter_user)
        self.assertEqual(self.client.get("/supporters/").status_code, 403)
        self.assertEqual(self.client.get("/dispatches/").status_code, 403)
        self.assertEqual(self.client.get("/dispatches/new/").status_code, 403)
        assert self.case.person_id is not None
        for url in (
            f"/supporters/{self.supporter.pk}/",
            f"/dispatches/{self.dispatch.pk}/",
            f"/cases/{self.case.pk}/",
            f"/cases/{self.case.pk}/activities/new/",
            f"/persons/{self.case.person_id}/",
        ):
            with self.subTest(url=url):
                response = self.client.get(url)
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, "高橋", status_code=404)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.supporter_user)
        self.assertEqual(
            [(row.object_type, row.detail["reason"]) for row in denied[-3:]],
            [
                ("cases.case", "out_of_scope"),
                ("cases.case", "out_of_scope"),
                ("people.person", "out_of_scope"),
            ],
        )

    def test_a_supporter_account_in_the_cases_own_organisation_gets_403_on_a_case(self) -> None:
        # A supporter employed by the window itself: in scope, but without the right.
        in_house = User.objects.create_user(
            username="supporter3", display_name="内部 サポーター", organisation=self.window
        )
        StaffRole.objects.create(user=in_house, role=Role.SUPPORTER)
        self.login(in_house)
        self.assertEqual(self.client.get(f"/cases/{self.case.pk}/").status_code, 403)
        self.assertEqual(self.client.get(f"/persons/{self.case.person_id}/").status_code, 403)
        self.assertEqual(self.client.get(f"/supporters/{self.supporter.pk}/").status_code, 403)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=in_house)
        self.assertEqual(len(denied), 3)
