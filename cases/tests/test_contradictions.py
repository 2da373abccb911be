"""A visit whose outcome says the person was not met, with 「本人と会えた」 ticked, is refused at
the service: by the page and by the API alike, with nothing stored and the case's dates unchanged
(stored, it took the person off the not-yet-met watch list)."""

import json
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from api.tests.test_api import ApiTestCase
from cases.models import Activity, Case
from cases.tests.helpers import open_case
from cases.tests.test_activity_pages import activity_form_data, local_minute
from people.services import JOINED_IN_FUTURE, household_add_member
from people.tests.helpers import make_household, make_person

FAMILY_ONLY_MET = "訪問の結果が「家族のみ」なのに「本人と会えた」に印があります。"


class MetButFamilyOnlyTests(ApiTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan, opened_days_ago=30)

    def assert_nothing_stored(self) -> None:
        self.assertFalse(Activity.objects.filter(case=self.case).exists())
        case = Case.objects.get(pk=self.case.pk)
        self.assertEqual((case.first_met_on, case.last_contact_on), (None, None))

    def test_the_page_refuses_it_at_the_field_and_keeps_the_input(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            f"/cases/{self.case.pk}/activities/new/",
            activity_form_data(visit_outcome="family_only", met_person="on"),
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, FAMILY_ONLY_MET)
        self.assertContains(response, "玄関先で本人と5分ほど話せた。")
        self.assert_nothing_stored()

    def test_the_api_refuses_it_with_422_at_met_person(self) -> None:
        body = {
            "occurred_at": local_minute(timezone.now() - timedelta(hours=2)),
            "kind": "home_visit",
            "visit_outcome": "nobody",
            "met_person": True,
            "content": "不在。メモを置いた。",
        }
        response = self.client.post(
            f"/api/v1/cases/{self.case.pk}/activities",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token_for(self.soudan)}"},
        )
        self.assertEqual(response.status_code, 422, response.content)
        (message,) = response.json()["errors"]["met_person"]
        self.assertIn("「不在」なのに「本人と会えた」", message)
        self.assert_nothing_stored()

    def test_family_only_without_the_tick_is_stored_and_leaves_first_met_empty(self) -> None:
        self.login(self.soudan)
        self.client.post(
            f"/cases/{self.case.pk}/activities/new/",
            activity_form_data(visit_outcome="family_only"),
        )
        activity = Activity.objects.get(case=self.case)
        self.assertFalse(activity.met_person)
        self.assertIsNone(Case.objects.get(pk=self.case.pk).first_met_on)


class JoinedInTheFutureTests(ApiTestCase):
    def test_a_join_date_after_today_is_refused_at_its_field_and_nothing_is_added(self) -> None:
        household = make_household(self.soudan.organisation, "高橋さん世帯")
        person = make_person(self.soudan.organisation, "高橋", "健太")
        tomorrow = timezone.localdate() + timedelta(days=1)
        with self.assertRaises(ValidationError) as refused:
            household_add_member(
                household=household,
                person=person,
                data={"joined_on": tomorrow},
                version=household.version,
                by=self.soudan,
            )
        self.assertEqual(refused.exception.message_dict, {"joined_on": [JOINED_IN_FUTURE]})
        self.assertFalse(household.memberships.exists())
