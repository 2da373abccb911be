import json
from typing import Any

from accounts.models import User
from api.tests.test_api import ApiTestCase
from audit.models import AuditEvent
from people.models import DuplicateCandidate, Household, Person


class PeopleApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        self.takahashi = Person.objects.create(
            organisation=self.window,
            family_name="高橋",
            given_name="勇気",
            family_name_kana="タカハシ",
            given_name_kana="ユウキ",
            birth_date="1975-05-05",
        )
        self.takahashi.team.add(self.soudan)
        self.tokens: dict[int, str] = {}

    def call(self, method: str, path: str, user: User, body: Any = None) -> Any:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = self.token_for(user)
        return self.client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.tokens[user.pk]}"},
        )


class PersonSearchApiTests(PeopleApiTestCase):
    def test_it_finds_a_kanji_variant_and_half_width_kana(self) -> None:
        for query in ("髙橋", "ﾀｶﾊｼ", "たかはし"):
            hits = self.call("GET", f"/persons?q={query}", self.soudan).json()["items"]
            self.assertEqual([hit["person"]["id"] for hit in hits], [self.takahashi.pk], query)

    def test_it_never_returns_another_offices_person(self) -> None:
        self.assertEqual(self.call("GET", "/persons?q=高橋", self.minato).json()["items"], [])

    def test_a_role_without_personal_data_gets_403(self) -> None:
        self.assertEqual(self.call("GET", "/persons?q=高橋", self.toukei).status_code, 403)

    def test_the_search_is_audited_with_ids_only(self) -> None:
        self.call("GET", "/persons?q=高橋", self.soudan)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertEqual(row.detail["ids"], [self.takahashi.pk])
        self.assertNotIn("高橋", row.canonical())


class PersonCreateApiTests(PeopleApiTestCase):
    def test_a_probable_duplicate_is_409_and_nothing_is_saved(self) -> None:
        body = {"family_name": "髙橋", "given_name": "勇気", "birth_date": "昭和50年5月5日"}
        response = self.call("POST", "/persons", self.douryou, body)
        self.assertEqual(response.status_code, 409)
        (duplicate,) = response.json()["duplicates"]
        self.assertEqual(
            (duplicate["person_id"], duplicate["level"]), (self.takahashi.pk, "可能性が高い")
        )
        self.assertEqual(Person.objects.count(), 1)

    def test_confirming_creates_the_record_and_queues_the_pair(self) -> None:
        body = {
            "family_name": "髙橋",
            "given_name": "勇気",
            "birth_date": "1975-05-05",
            "confirmed_new": True,
        }
        response = self.call("POST", "/persons", self.douryou, body)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["family_name"], "髙橋")
        self.assertTrue(DuplicateCandidate.objects.filter(second_id=response.json()["id"]).exists())

    def test_an_unnamed_person_is_created_with_an_alias(self) -> None:
        response = self.call("POST", "/persons", self.soudan, {"alias": "Bさんの長男"})
        self.assertEqual((response.status_code, response.json()["label"]), (201, "Bさんの長男"))

    def test_bad_input_is_422_in_japanese_and_nothing_is_saved(self) -> None:
        cases = {
            "postal_code": {"alias": "x", "postal_code": "9999999"},
            "birth_date": {"alias": "x", "birth_date": "令和2年2月30日"},
            "__all__": {"family_name": "", "alias": ""},
        }
        for field, body in cases.items():
            response = self.call("POST", "/persons", self.soudan, body)
            self.assertEqual(response.status_code, 422, field)
            self.assertIn(field, response.json()["errors"])
        self.assertEqual(Person.objects.count(), 1)
        self.assertEqual(self.audit_rows(object_type="people.person"), [])


class PersonReadUpdateApiTests(PeopleApiTestCase):
    def test_another_office_gets_404(self) -> None:
        self.assertEqual(
            self.call("GET", f"/persons/{self.takahashi.pk}", self.houkatsu).status_code, 404
        )

    def test_a_restricted_persons_identity_is_hidden_from_a_colleague_off_the_team(self) -> None:
        Person.objects.filter(pk=self.takahashi.pk).update(is_restricted=True)
        data = self.call("GET", f"/persons/{self.takahashi.pk}", self.douryou).json()
        self.assertEqual(
            (data["label"], data["family_name"], data["address"]),
            (f"制限対象者 #{self.takahashi.pk}", None, None),
        )
        data = self.call("GET", f"/persons/{self.takahashi.pk}", self.soudan).json()
        self.assertEqual(data["family_name"], "高橋")

    def test_an_update_with_the_current_version_saves(self) -> None:
        body = {"family_name": "高橋", "given_name": "勇樹", "version": 1}
        response = self.call("PATCH", f"/persons/{self.takahashi.pk}", self.soudan, body)
        self.assertEqual((response.status_code, response.json()["version"]), (200, 2))

    def test_a_stale_update_is_409_and_overwrites_nothing(self) -> None:
        Person.objects.filter(pk=self.takahashi.pk).update(version=2, given_name="勇輝")
        body = {"family_name": "高橋", "given_name": "勇樹", "version": 1}
        response = self.call("PATCH", f"/persons/{self.takahashi.pk}", self.soudan, body)
        self.assertEqual(response.status_code, 409)
        self.assertIn("ほかの人が先に", response.json()["detail"])
        self.assertEqual(Person.objects.get(pk=self.takahashi.pk).given_name, "勇輝")


class HouseholdApiTests(PeopleApiTestCase):
    def test_a_household_is_created_and_read_with_its_members(self) -> None:
        response = self.call(
            "POST", "/households", self.soudan, {"label": "高橋さん世帯", "postal_code": "100-0001"}
        )
        self.assertEqual(response.status_code, 201)
        household = Household.objects.get(pk=response.json()["id"])
        household.memberships.create(person=self.takahashi, relationship="child")
        data = self.call("GET", f"/households/{household.pk}", self.soudan).json()
        (member,) = data["members"]
        self.assertEqual(
            (member["person"]["id"], member["relationship_label"]), (self.takahashi.pk, "子")
        )
        self.assertEqual(
            self.call("GET", f"/households/{household.pk}", self.minato).status_code, 404
        )


class MalformedRequestTests(PeopleApiTestCase):
    def test_a_value_of_the_wrong_type_is_422_in_japanese(self) -> None:
        body = {"family_name": "高橋", "version": "abc"}
        response = self.call("PATCH", f"/persons/{self.takahashi.pk}", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"], {"version": ["値の形式が正しくありません。"]})
        self.assertEqual(Person.objects.get(pk=self.takahashi.pk).version, 1)
