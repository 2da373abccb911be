from datetime import timedelta

from django.utils import timezone

from cases.models import Activity
from cases.services import activity_add
from consultations.tests.factories import record
from people.models import Person
from tsunagu.test import BaseTestCase


class LateEntryTests(BaseTestCase):
    def test_a_consultation_entered_later_opens_its_case_on_the_day_of_the_call(self) -> None:
        son = Person.objects.create(organisation=self.window, alias="高橋さんの長男")
        call = timezone.now() - timedelta(days=30)
        consultation = record(self.soudan, son, call, disposition="continue")
        assert consultation.case is not None
        self.assertEqual(consultation.case.opened_on, timezone.localtime(call).date())
        letter = activity_add(
            case=consultation.case,
            data={
                "occurred_at": timezone.now() - timedelta(days=14),
                "kind": Activity.Kind.LETTER,
                "content": "手紙を置いた",
            },
            by=self.soudan,
        )
        self.assertEqual(letter.case_id, consultation.case.pk)
