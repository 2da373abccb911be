"""The audit log on the list toolkit: fifty a page, sorting, filters in SQL (action, actor,
model, dates), a bad value shown and not applied, the same queries and size at any count."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.test import BaseTestCase


class AuditLogPagingTests(BaseTestCase):
    def record(
        self, count: int, *, actor: Any = None, action: str = AuditEvent.Action.READ
    ) -> None:
        # Rows of one length, so that the response size only changes with the rows shown.
        for number in range(count):
            audit_record(
                action=action,
                actor=actor or self.soudan,
                object_type="people.person",
                object_id=1000 + number % 1000,
            )

    def shown(self, query: str = "") -> Any:
        return self.client.get(f"/audit/?{query}")

    def events(self, query: str = "") -> list[AuditEvent]:
        return list(self.shown(query).context["page"])

    def test_fifty_a_page_newest_first_with_the_count(self) -> None:
        self.record(52)
        self.login(self.kansa)
        first = self.shown("action=read")
        self.assertContains(first, "全52件中 1〜50件")
        ids = [event.id for event in first.context["page"]]
        self.assertEqual(ids, sorted(ids, reverse=True))
        second = self.events("action=read&page=2")
        self.assertEqual(len(second), 2)
        everything = AuditEvent.objects.filter(organisation_id=self.kansa.organisation_id)
        self.assertContains(self.shown(), f"全{everything.count()}件中")

    def test_filters_in_sql(self) -> None:
        self.record(2)
        self.record(1, actor=self.douryou, action=AuditEvent.Action.UPDATE)
        audit_record(action=AuditEvent.Action.READ, actor=self.soudan, object_type="cases.case")
        today = timezone.localdate()
        self.login(self.kansa)
        self.assertEqual(len(self.events("actor=douryou")), 1)
        self.assertEqual(len(self.events("action=update")), 1)
        self.assertEqual(len(self.events("object_type=cases.case")), 1)
        self.assertEqual(len(self.events("object_type=people.person&actor=soudan")), 2)
        self.assertEqual(len(self.events(f"date_from={today + timedelta(days=1)}")), 0)
        self.assertEqual(len(self.events(f"date_to={today - timedelta(days=1)}")), 0)
        self.assertEqual(len(self.events(f"date_from={today}&action=update")), 1)

    def test_a_bad_value_is_shown_at_its_field_and_not_applied(self) -> None:
        self.record(2)
        self.login(self.kansa)
        response = self.shown("action=password&actor=soudan")
        self.assertContains(response, "操作は一覧にあるものから選んでください。")
        self.assertContains(response, "この条件は使わずに表示しています")
        self.assertEqual(len(response.context["page"]), 2)
        for query in ("date_from=abc", "page=abc", "sort=password", "actor=" + "a" * 200):
            with self.subTest(query=query[:20]):
                self.assertEqual(self.shown(query + "&action=read").status_code, 200)
                self.assertEqual(len(self.events(query + "&action=read")), 2)
        # The export of a bad filter exports no rows rather than more of the log.
        export = self.client.get("/audit/export.csv", {"action": "password"})
        self.assertEqual(len(export.content.decode("utf-8").strip().splitlines()), 1)

    def test_sort_by_actor_both_ways_filters_kept(self) -> None:
        self.record(1, actor=self.soudan)
        self.record(1, actor=self.douryou)
        self.login(self.kansa)
        names = [e.actor.username for e in self.events("sort=actor&action=read") if e.actor]
        self.assertEqual(names, sorted(names))
        response = self.shown("sort=-actor&action=read")
        reversed_names = [e.actor.username for e in response.context["page"] if e.actor]
        self.assertEqual(reversed_names, sorted(names, reverse=True))
        self.assertContains(response, 'aria-sort="descending"')
        self.assertContains(response, "?sort=actor&amp;action=read")

    def test_the_same_queries_at_one_and_sixty_and_no_larger_beyond_the_page(self) -> None:
        self.record(1)
        self.login(self.kansa)
        self.shown()  # warm the session
        # session, user with organisation, roles, the page with the actors, the count, session
        # save (savepoint, update, release)
        with self.assertNumQueries(8):
            self.shown("action=read")
        self.record(59)
        with self.assertNumQueries(8):
            sixty = self.shown("action=read")
        self.assertEqual(len(sixty.context["page"]), 50)
        self.record(40)
        hundred = self.shown("action=read")
        self.assertContains(hundred, "全100件中 1〜50件")
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)


class LongDetailTests(BaseTestCase):
    def test_a_row_naming_ten_thousand_ids_shows_the_first_twenty_and_the_count(self) -> None:
        audit_record(
            action=AuditEvent.Action.READ,
            actor=self.soudan,
            object_type="cases.case",
            detail={"ids": list(range(1, 10_001))},
        )
        self.login(self.kansa)
        response = self.client.get("/audit/")
        self.assertContains(response, "表示したID 10000件")  # the row's line
        self.assertContains(response, "<dt>表示したID</dt><dd>[1, 2, 3,")  # its detail
        self.assertContains(response, "20, …]（全10000件）")
        self.assertNotContains(response, "9999")
        self.assertLess(len(response.content), 60_000)


class JapaneseNamesTests(BaseTestCase):
    def test_record_kinds_fields_and_detail_keys_read_in_japanese(self) -> None:
        audit_record(
            action=AuditEvent.Action.READ,
            actor=self.soudan,
            object_type="cases.assessment",
            object_id=1,
            fields=["medical_flags", "going_out"],
            detail={"sensitive": True, "collaboration.actionitem": [3]},
        )
        self.login(self.kansa)
        response = self.client.get("/audit/")
        self.assertContains(response, '<span title="cases.assessment">アセスメント</span> #1')
        self.assertNotContains(response, "medical_flags")
        self.assertContains(response, "<dt>要配慮個人情報</dt><dd>はい</dd>")
        self.assertNotContains(response, "sensitive: True")

    def test_an_unknown_kind_or_key_stays_as_stored(self) -> None:
        from audit.labels import detail_key_label, field_label, record_kind

        self.assertEqual(record_kind("nothing.here"), "nothing.here")
        self.assertEqual(field_label("cases.case", "no_such_field"), "no_such_field")
        self.assertEqual(detail_key_label("odd_key"), "odd_key")
