"""The paging convention of every list (api/paging.py): the envelope, the order, the refusals,
and the audit row naming only the rows of the page."""

from typing import Any

from accounts.models import User
from api.tests.test_cases_api import CasesApiTestCase
from audit.models import AuditEvent
from cases.services import assessment_add
from cases.tests.helpers import make_person, open_case
from people.models import Household


class HouseholdPagingTests(CasesApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The same label for all: only the id orders them, and no row may be shown twice.
        self.ids = [
            Household.objects.create(organisation=self.window, label="高橋さん世帯").pk
            for _ in range(25)
        ]

    def page(self, query: str, user: User | None = None) -> Any:
        response = self.call("GET", f"/households?{query}", user or self.soudan)
        self.assertEqual(response.status_code, 200, response.content)
        return response.json()

    def test_a_page_says_how_many_there_are_and_where_the_next_starts(self) -> None:
        page = self.page("offset=10&limit=10")
        self.assertEqual(
            {key: page[key] for key in ("count", "offset", "limit", "next_offset")},
            {"count": 25, "offset": 10, "limit": 10, "next_offset": 20},
        )
        self.assertEqual([h["id"] for h in page["items"]], self.ids[10:20])

    def test_the_last_page_has_no_next_offset(self) -> None:
        page = self.page("offset=20&limit=10")
        self.assertEqual(len(page["items"]), 5)
        self.assertIsNone(page["next_offset"])

    def test_the_default_page_is_twenty_rows(self) -> None:
        page = self.page("")
        self.assertEqual((page["limit"], len(page["items"]), page["next_offset"]), (20, 20, 20))

    def test_following_next_offset_shows_every_row_once_in_the_order_of_the_list(self) -> None:
        shown: list[int] = []
        offset: int | None = 0
        while offset is not None:
            page = self.page(f"offset={offset}&limit=7")
            shown += [h["id"] for h in page["items"]]
            offset = page["next_offset"]
        self.assertEqual(shown, self.ids)

    def test_only_the_rows_of_the_page_are_audited(self) -> None:
        page = self.page("offset=5&limit=3")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.household")
        self.assertEqual(row.detail["ids"], [h["id"] for h in page["items"]])
        self.assertEqual(row.detail["ids"], self.ids[5:8])

    def test_another_office_counts_none_of_them(self) -> None:
        page = self.page("", self.minato)
        self.assertEqual((page["count"], page["items"]), (0, []))

    def test_an_offset_past_the_end_is_an_empty_page(self) -> None:
        page = self.page("offset=100")
        self.assertEqual((page["count"], page["items"], page["next_offset"]), (25, [], None))

    def test_a_limit_or_offset_out_of_range_is_refused_in_japanese(self) -> None:
        for query, field, message in (
            ("limit=0", "limit", "limit は1〜100で指定してください。"),
            ("limit=101", "limit", "limit は1〜100で指定してください。"),
            ("offset=-1", "offset", "offset は0〜2147483647で指定してください。"),
            ("offset=99999999999999999999", "offset", "offset は0〜2147483647で指定してください。"),
            ("limit=abc", "limit", "値の形式が正しくありません。"),
        ):
            with self.subTest(query):
                response = self.call("GET", f"/households?{query}", self.soudan)
                self.assertEqual(response.status_code, 422)
                self.assertEqual(response.json()["errors"], {field: [message]})

    def test_a_refused_page_reads_and_audits_nothing(self) -> None:
        self.call("GET", "/households?limit=0", self.soudan)
        self.assertEqual(self.audit_rows(object_type="people.household"), [])


class OtherListPagingTests(CasesApiTestCase):
    def test_the_search_pages_through_the_same_ranked_hits(self) -> None:
        for number in range(15):
            make_person(self.window, "高橋", f"勇気{number}", family_name_kana="タカハシ")
        everything = self.call("GET", "/persons?q=高橋&limit=100", self.soudan).json()
        self.assertEqual(everything["count"], 15)
        first = self.call("GET", "/persons?q=高橋&limit=10", self.soudan).json()
        second = self.call("GET", "/persons?q=高橋&offset=10&limit=10", self.soudan).json()
        self.assertEqual(first["next_offset"], 10)
        self.assertIsNone(second["next_offset"])
        paged = [hit["person"]["id"] for hit in first["items"] + second["items"]]
        self.assertEqual(paged, [hit["person"]["id"] for hit in everything["items"]])
        last = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")[-1]
        self.assertEqual(last.detail["ids"], [hit["person"]["id"] for hit in second["items"]])

    def test_the_sensitive_fields_are_audited_for_the_assessments_shown(self) -> None:
        case = open_case(self.soudan)
        for _ in range(3):
            assessment_add(
                case=case,
                data={"outing_level": "neighbourhood", "medical_flags": ["mood"]},
                by=self.soudan,
            )
        page = self.call("GET", f"/cases/{case.pk}/assessments?limit=2", self.soudan).json()
        self.assertEqual((page["count"], page["next_offset"]), (3, 2))
        self.assertEqual([a["number"] for a in page["items"]], [3, 2])
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.assessment")
        self.assertEqual(row.detail["ids"], [a["id"] for a in page["items"]])

    def test_the_activity_log_keeps_its_fields_and_refuses_after_the_case_is_found(self) -> None:
        case = open_case(self.soudan)
        page = self.call("GET", f"/cases/{case.pk}/activities", self.soudan).json()
        self.assertLessEqual({"count", "offset", "limit", "items"}, set(page))
        # Another office's case is 404 whatever the paging asked for.
        response = self.call("GET", f"/cases/{case.pk}/activities?limit=0", self.minato)
        self.assertEqual(response.status_code, 404)

    def test_the_day_of_consultations_refuses_a_bad_date_and_limit_together(self) -> None:
        response = self.call("GET", "/consultations?date=2025-02-30&limit=0", self.soudan)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["errors"]), {"date", "limit"})
