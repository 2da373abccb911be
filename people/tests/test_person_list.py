"""The search page (/persons/?q=…): scoped to the own office, restricted persons hidden, audited."""

from datetime import date

from audit.models import AuditEvent
from people.models import Person
from people.tests.helpers import make_person
from tsunagu.test import BaseTestCase, audit_lock_queries


class PersonListTests(BaseTestCase):
    own: Person
    colleague_case: Person
    other_town: Person
    restricted: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.own = make_person(
            cls.window, "高橋", "勇気", "タカハシ", "ユウキ", birth_date=date(1990, 4, 1)
        )
        cls.colleague_case = make_person(cls.window, "高橋", "次郎", "タカハシ", "ジロウ")
        cls.other_town = make_person(cls.minato_window, "高橋", "三郎", "タカハシ", "サブロウ")
        cls.restricted = make_person(
            cls.window,
            "高橋",
            "花子",
            "タカハシ",
            "ハナコ",
            is_restricted=True,
            restriction_reason="dv",
            team=(cls.soudan,),
        )

    def test_the_search_finds_persons_of_the_own_office_only(self) -> None:
        self.login(self.douryou)
        response = self.client.get("/persons/", {"q": "たかはし"})
        self.assertContains(response, "「たかはし」の検索結果: 2 件")
        self.assertContains(response, "高橋 勇気")
        self.assertContains(response, "高橋 次郎")
        self.assertNotContains(response, "高橋 三郎")

    def test_a_restricted_person_is_found_by_the_team_only(self) -> None:
        self.login(self.soudan)
        self.assertContains(self.client.get("/persons/", {"q": "高橋花子"}), "高橋 花子")
        self.login(self.douryou)
        response = self.client.get("/persons/", {"q": "高橋花子"})
        self.assertNotContains(response, "高橋 花子")
        self.assertNotContains(response, f"/persons/{self.restricted.pk}/")
        self.assertNotIn(self.restricted, [hit.person for hit in response.context["hits"]])
        for q in ("タカハシハナコ", "はなこ"):
            with self.subTest(q=q):
                self.assertContains(
                    self.client.get("/persons/", {"q": q}), "見つかりませんでした。"
                )

    def test_the_search_result_is_audited_with_ids_and_field_names_and_no_query(self) -> None:
        self.login(self.douryou)
        self.client.get("/persons/", {"q": "たかはし"})
        (row,) = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual(row.object_type, "people.person")
        self.assertEqual(sorted(row.detail["ids"]), sorted([self.own.pk, self.colleague_case.pk]))
        self.assertEqual(
            row.detail["fields"],
            ["alias", "family_name", "family_name_kana", "given_name", "given_name_kana"],
        )
        for value in ("高橋", "たかはし", "タカハシ", "勇気"):
            self.assertNotIn(value, row.canonical())

    def test_an_empty_search_shows_the_form_and_reads_nothing(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/persons/")
        self.assertContains(response, "氏名・読み・仮名で探す")
        self.assertNotContains(response, "勇気")
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.READ), [])

    def test_an_htmx_search_answers_the_results_fragment_only(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/persons/", {"q": "勇気"}, headers={"HX-Request": "true"})
        self.assertContains(response, "高橋 勇気")
        self.assertNotContains(response, "<html")

    def test_staff_without_the_right_to_personal_data_get_403(self) -> None:
        for user in (self.admin, self.toukei):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get("/persons/", {"q": "高橋"})
                self.assertContains(response, "権限がありません", status_code=403)
                self.assertNotContains(response, "勇気", status_code=403)
                row = self.audit_rows(action=AuditEvent.Action.DENIED, actor=user)[-1]
                self.assertEqual(
                    row.detail, {"reason": "missing_right", "right": "view_personal_data"}
                )
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.READ), [])

    def test_the_search_takes_a_fixed_number_of_queries(self) -> None:
        for given, kana in (("一郎", "イチロウ"), ("四郎", "シロウ"), ("五郎", "ゴロウ")):
            make_person(self.window, "高橋", given, "タカハシ", kana)
        self.login(self.soudan)
        self.client.get("/persons/")  # warm the session
        # session, user with organisation, roles, team membership inside the search's
        # candidates, persons shown, audit row (savepoint, lock on PostgreSQL, last row, insert,
        # release), session save (savepoint, update, release)
        with self.assertNumQueries(12 + audit_lock_queries()):
            response = self.client.get("/persons/", {"q": "高橋"})
        self.assertContains(response, "「高橋」の検索結果: 6 件")
