"""An API update changes only what was sent; a restriction changes only by its own action."""

from api.tests.test_people_api import PeopleApiTestCase
from audit.models import AuditEvent
from people.models import Person


class RestrictedPersonApiTestCase(PeopleApiTestCase):
    def create_restricted(self) -> dict:
        body = {
            "family_name": "山田",
            "given_name": "花",
            "is_restricted": True,
            "restriction_reason": "dv",
            "contact_note": "夫に知られないよう、平日の昼に携帯へ",
            "address_detail": "コーポ若葉 203",
            "confirmed_new": True,
        }
        response = self.call("POST", "/persons", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        return response.json()


class PartialUpdateTests(RestrictedPersonApiTestCase):
    def test_sending_back_what_get_returned_keeps_the_restriction_and_notes(self) -> None:
        created = self.create_restricted()
        read = self.call("GET", f"/persons/{created['id']}", self.soudan).json()
        editable = {
            key: value
            for key, value in read.items()
            if key not in {"id", "restricted", "label", "age", "age_label", "merged_into"}
            and key not in {"is_restricted", "restriction_reason"}
        }
        editable["given_name"] = "華"
        response = self.call("PATCH", f"/persons/{created['id']}", self.soudan, editable)
        self.assertEqual(response.status_code, 200, response.content)
        person = Person.objects.get(pk=created["id"])
        self.assertEqual(
            (
                person.given_name,
                person.is_restricted,
                person.restriction_reason,
                person.contact_note,
                person.address_detail,
            ),
            ("華", True, "dv", "夫に知られないよう、平日の昼に携帯へ", "コーポ若葉 203"),
        )

    def test_a_field_left_out_keeps_its_value(self) -> None:
        created = self.create_restricted()
        body = {"given_name": "華", "version": created["version"]}
        response = self.call("PATCH", f"/persons/{created['id']}", self.soudan, body)
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            (data["family_name"], data["given_name"], data["contact_note"], data["restricted"]),
            ("山田", "華", "夫に知られないよう、平日の昼に携帯へ", True),
        )

    def test_the_read_returns_every_editable_field(self) -> None:
        created = self.create_restricted()
        read = self.call("GET", f"/persons/{created['id']}", self.soudan).json()
        self.assertEqual(
            (read["contact_note"], read["address_detail"], read["restriction_reason"]),
            ("夫に知られないよう、平日の昼に携帯へ", "コーポ若葉 203", "dv"),
        )

    def test_a_restriction_sent_with_an_update_is_refused_and_nothing_changes(self) -> None:
        created = self.create_restricted()
        body = {"given_name": "華", "is_restricted": False, "version": created["version"]}
        response = self.call("PATCH", f"/persons/{created['id']}", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("restriction", response.json()["errors"]["is_restricted"][0])
        person = Person.objects.get(pk=created["id"])
        self.assertEqual((person.given_name, person.is_restricted), ("花", True))

    def test_an_update_without_the_version_is_refused(self) -> None:
        created = self.create_restricted()
        response = self.call("PATCH", f"/persons/{created['id']}", self.soudan, {"alias": "X"})
        self.assertEqual(response.status_code, 422)
        self.assertIn("version", response.json()["errors"])

    def test_a_bad_value_in_a_partial_update_is_refused_with_the_forms_message(self) -> None:
        created = self.create_restricted()
        body = {"given_name": "花\u202e", "version": created["version"]}
        response = self.call("PATCH", f"/persons/{created['id']}", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("制御文字", response.json()["errors"]["given_name"][0])

    def test_put_is_no_longer_an_update(self) -> None:
        created = self.create_restricted()
        body = {"given_name": "華", "version": created["version"]}
        response = self.call("PUT", f"/persons/{created['id']}", self.soudan, body)
        self.assertEqual(response.status_code, 405)
        self.assertEqual(Person.objects.get(pk=created["id"]).given_name, "花")


class RestrictionActionTests(RestrictedPersonApiTestCase):
    def test_lifting_needs_confirmation(self) -> None:
        created = self.create_restricted()
        body = {"is_restricted": False, "version": created["version"]}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("解除してよいか確認", response.json()["errors"]["is_restricted"][0])
        self.assertTrue(Person.objects.get(pk=created["id"]).is_restricted)

    def test_a_confirmed_lift_is_saved_and_audited_as_a_restriction_change(self) -> None:
        created = self.create_restricted()
        body = {"is_restricted": False, "confirm_lift": True, "version": created["version"]}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.soudan, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertFalse(Person.objects.get(pk=created["id"]).is_restricted)
        event = AuditEvent.objects.filter(
            action=AuditEvent.Action.UPDATE, object_id=str(created["id"])
        ).latest("id")
        self.assertEqual(
            (event.actor_id, event.detail["restriction"], event.detail["fields"]),
            (self.soudan.pk, "lifted", ["is_restricted"]),
        )

    def test_restricting_needs_a_reason(self) -> None:
        response = self.call("POST", "/persons", self.soudan, {"family_name": "佐藤"})
        created = response.json()
        body = {"is_restricted": True, "version": created["version"]}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("理由", response.json()["errors"]["restriction_reason"][0])

    def test_restricting_with_a_reason_keeps_the_restricter_on_the_team(self) -> None:
        response = self.call("POST", "/persons", self.soudan, {"family_name": "佐藤"})
        created = response.json()
        body = {"is_restricted": True, "restriction_reason": "abuse", "version": 1}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.douryou, body)
        self.assertEqual(response.status_code, 200, response.content)
        person = Person.objects.get(pk=created["id"])
        self.assertEqual(
            (person.is_restricted, person.team.filter(pk=self.douryou.pk).exists()), (True, True)
        )

    def test_a_colleague_off_the_team_cannot_lift_it(self) -> None:
        created = self.create_restricted()
        body = {"is_restricted": False, "confirm_lift": True, "version": created["version"]}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.douryou, body)
        self.assertEqual(response.status_code, 403)
        self.assertTrue(Person.objects.get(pk=created["id"]).is_restricted)

    def test_another_office_gets_404(self) -> None:
        created = self.create_restricted()
        body = {"is_restricted": False, "confirm_lift": True, "version": created["version"]}
        response = self.call("POST", f"/persons/{created['id']}/restriction", self.minato, body)
        self.assertEqual(response.status_code, 404)
