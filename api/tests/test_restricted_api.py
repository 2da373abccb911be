"""A worker off a restricted person's team cannot reach them through the API, nor join the team."""

from api.tests.test_people_api import PeopleApiTestCase
from people.models import Person


class RestrictedPersonApiTests(PeopleApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        Person.objects.filter(pk=self.takahashi.pk).update(is_restricted=True)

    def test_opening_a_case_for_them_is_refused_and_the_team_unchanged(self) -> None:
        body = {"title": "支援", "person_id": self.takahashi.pk}
        response = self.call("POST", "/cases", self.douryou, body)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(list(self.takahashi.team.all()), [self.soudan])
        label = self.call("GET", f"/persons/{self.takahashi.pk}", self.douryou).json()["label"]
        self.assertEqual(label, f"制限対象者 #{self.takahashi.pk}")

    def test_a_consultation_about_them_is_refused(self) -> None:
        body = {
            "person_id": self.takahashi.pk,
            "channel": "phone",
            "consulter_type": "person",
            "main_concern": "hikikomori",
            "categories": ["hikikomori"],
            "disposition": "continue",
        }
        response = self.call("POST", "/consultations", self.douryou, body)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(list(self.takahashi.team.all()), [self.soudan])

    def test_the_duplicate_check_never_confirms_them(self) -> None:
        body = {"family_name": "高橋", "given_name": "勇気", "birth_date": "1975-05-05"}
        response = self.call("POST", "/persons", self.douryou, body)
        self.assertEqual(response.status_code, 201)
