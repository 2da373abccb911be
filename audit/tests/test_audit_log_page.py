from datetime import timedelta

from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.test import BaseTestCase


class AuditLogPageTests(BaseTestCase):
    def setUp(self) -> None:
        audit_record(
            action=AuditEvent.Action.READ,
            actor=self.soudan,
            object_type="accounts.user",
            object_id=self.douryou.pk,
            fields=["display_name"],
        )
        audit_record(action=AuditEvent.Action.LOGIN, actor=self.admin)
        audit_record(
            action=AuditEvent.Action.READ,
            actor=self.minato,
            object_type="accounts.user",
            object_id=self.minato.pk,
        )

    def test_the_auditor_sees_the_own_organisations_events(self) -> None:
        self.login(self.kansa)
        response = self.client.get("/audit/")
        events = list(response.context["page"])
        actors = {event.actor_id for event in events}
        self.assertEqual(actors, {self.soudan.pk, self.admin.pk, self.kansa.pk})  # kansa: login
        self.assertContains(response, "soudan")
        self.assertNotContains(response, "minato")

    def test_the_auditor_filters_by_action_and_actor(self) -> None:
        self.login(self.kansa)
        response = self.client.get("/audit/", {"action": "read", "actor": "soudan"})
        (event,) = response.context["page"]
        self.assertEqual(event.object_id, str(self.douryou.pk))

    def test_a_reversed_date_range_shows_a_japanese_error(self) -> None:
        today = timezone.localdate()
        self.login(self.kansa)
        response = self.client.get(
            "/audit/", {"date_from": str(today + timedelta(days=1)), "date_to": str(today)}
        )
        self.assertContains(response, "開始日は終了日より前の日付にしてください。")
        # The end date is shown with the error and not applied; the start date still is.
        self.assertEqual(len(response.context["page"]), 0)

    def test_other_roles_are_refused(self) -> None:
        for user in (self.soudan, self.admin, self.toukei):
            self.login(user)
            self.assertEqual(self.client.get("/audit/").status_code, 403)
            self.assertEqual(self.client.get("/audit/export.csv").status_code, 403)

    def test_the_csv_export_has_a_bom_and_is_itself_audited(self) -> None:
        self.login(self.kansa)
        response = self.client.get("/audit/export.csv", {"action": "read"})
        text = response.content.decode("utf-8")
        self.assertTrue(text.startswith("\ufeffID,日時,操作者ID"))
        self.assertEqual(len(text.strip().splitlines()), 2)
        (row,) = self.audit_rows(action=AuditEvent.Action.EXPORT)
        self.assertEqual(row.detail, {"rows": 1, "filters": {"action": "read"}})

    def test_the_page_takes_a_fixed_number_of_queries(self) -> None:
        self.login(self.kansa)
        self.client.get("/audit/")
        with self.assertNumQueries(8):
            self.client.get("/audit/")
