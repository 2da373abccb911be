"""The automatic case title reads well for an alias and follows the real name once entered."""

from api.tests.test_people_api import PeopleApiTestCase
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.helpers import open_case
from cases.titles import automatic_title
from people.models import Person
from people.tests.helpers import person_form_data
from tsunagu.test import BaseTestCase


class AutomaticTitleTests(BaseTestCase):
    def test_an_alias_with_an_honorific_gets_no_second_san(self) -> None:
        person = Person(organisation=self.window, alias="高橋さんの長男さん")
        self.assertEqual(automatic_title(person), "高橋さんの長男さんの支援")

    def test_an_alias_without_an_honorific_and_a_name_get_san(self) -> None:
        self.assertEqual(
            automatic_title(Person(organisation=self.window, alias="高橋さんの長男")),
            "高橋さんの長男さんの支援",
        )
        named = Person(organisation=self.window, family_name="高橋", given_name="健太")
        self.assertEqual(automatic_title(named), "高橋 健太さんの支援")


class TitleFollowsNameTests(BaseTestCase):
    def setUp(self) -> None:
        self.person = Person.objects.create(organisation=self.window, alias="高橋さんの長男さん")
        self.person.team.add(self.soudan)

    def enter_real_name(self) -> None:
        data = person_form_data(
            family_name="高橋", given_name="健太", alias="高橋さんの長男さん", version="1"
        )
        self.client.force_login(self.soudan)
        response = self.client.post(f"/persons/{self.person.pk}/edit/", data)
        self.assertEqual(response.status_code, 302)

    def test_the_automatic_title_follows_the_real_name(self) -> None:
        case = open_case(self.soudan, self.person, title=automatic_title(self.person))
        self.assertEqual(case.title, "高橋さんの長男さんの支援")
        self.enter_real_name()
        retitled = Case.objects.get(pk=case.pk)
        self.assertEqual(retitled.title, "高橋 健太さんの支援")
        # Not silently changed: a new version of the case and its own audit row.
        self.assertEqual(retitled.version, case.version + 1)
        row = AuditEvent.objects.get(
            action=AuditEvent.Action.UPDATE, object_type="cases.case", object_id=str(case.pk)
        )
        self.assertEqual(
            (row.actor, row.detail),
            (self.soudan, {"fields": ["title"], "reason": "automatic_title_follows_person"}),
        )
        page = self.client.get(f"/cases/{case.pk}/")
        self.assertContains(page, "高橋 健太さんの支援")

    def test_a_title_the_worker_typed_is_kept(self) -> None:
        case = open_case(self.soudan, self.person, title="長男さんの就労に向けて")
        self.enter_real_name()
        self.assertEqual(Case.objects.get(pk=case.pk).title, "長男さんの就労に向けて")


class TitleFollowsNameThroughTheApiTests(PeopleApiTestCase):
    def test_a_name_entered_through_the_api_retitles_the_automatic_case_title(self) -> None:
        person = Person.objects.create(organisation=self.window, alias="高橋さんの長男さん")
        person.team.add(self.soudan)
        case = open_case(self.soudan, person, title=automatic_title(person))
        body = {"family_name": "高橋", "given_name": "健太", "version": person.version}
        response = self.call("PATCH", f"/persons/{person.pk}", self.soudan, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(Case.objects.get(pk=case.pk).title, "高橋 健太さんの支援")
