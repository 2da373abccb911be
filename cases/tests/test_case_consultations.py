"""The case page's 「相談の記録」: what the callers said in the consultations of the case, newest
first, ten at most with the count of all, each a link to the consultation's page."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Case
from cases.tests.helpers import make_person, open_case
from cases.views import CONSULTATIONS_SHOWN
from consultations.models import Consultation
from tsunagu.templatetags.japanese_dates import wareki_datetime
from tsunagu.test import BaseTestCase


def consult(case: Case, days: int, content: str = "", **fields: object) -> Consultation:
    """A mother's phone call about the person, received `days` ago, recorded on the case."""
    assert case.person is not None
    values: dict[str, object] = {
        "organisation_id": case.organisation_id,
        "received_at": timezone.now() - timedelta(days=days),
        "channel": "phone",
        "consulter_type": "family",
        "consulter_relationship": "mother",
        "person": case.person,
        "main_concern": "hikikomori",
        "categories": ["hikikomori"],
        "content": content or f"{days}日前の電話。息子が部屋から出てこない。",
        "disposition": "continue",
        "case": case,
        "taken_by": case.lead_worker,
        **fields,
    }
    return Consultation.objects.create(**values)


class ConsultationsSectionTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.url = f"/cases/{self.case.pk}/"

    def page(self) -> str:
        self.login(self.soudan)
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_it_shows_date_channel_who_called_and_the_beginning_of_what_was_said(self) -> None:
        long_text = "母親から。" + "本人は昼夜逆転で、食事も部屋でとっている。" * 10
        consultation = consult(self.case, 3, long_text)
        page = self.page()
        self.assertIn(">相談の記録</h2>", page)
        self.assertIn(
            f'<a href="/consultations/{consultation.pk}/">'
            f"{wareki_datetime(consultation.received_at)}</a>",
            page,
        )
        self.assertIn("<td>電話</td>", page)
        self.assertIn("<td>家族（母）</td>", page)
        self.assertIn(long_text[:40], page)
        self.assertNotIn(long_text, page)
        self.assertIn("全1件", page)

    def test_newest_first_ten_at_most_with_the_count_of_all(self) -> None:
        for days in range(1, CONSULTATIONS_SHOWN + 4):
            consult(self.case, days)
        page = self.page()
        self.assertLess(page.index("1日前の電話"), page.index("2日前の電話"))
        self.assertIn(f"{CONSULTATIONS_SHOWN}日前の電話", page)
        self.assertNotIn(f"{CONSULTATIONS_SHOWN + 1}日前の電話", page)
        total = CONSULTATIONS_SHOWN + 3
        self.assertIn(f"全{total}件（新しい{CONSULTATIONS_SHOWN}件を表示）", page)

    def test_consultations_of_other_cases_are_not_listed(self) -> None:
        other = open_case(self.soudan, make_person(self.window, "鈴木", "一郎"), title="別")
        consult(other, 2, "別のケースの相談")
        page = self.page()
        self.assertNotIn("別のケースの相談", page)
        self.assertIn("このケースの相談受付の記録はありません。", page)

    def test_the_case_read_names_the_consultations(self) -> None:
        consult(self.case, 2)
        self.page()
        row = AuditEvent.objects.filter(
            action=AuditEvent.Action.READ, object_type="cases.case", object_id=str(self.case.pk)
        ).get()
        self.assertIn("consultations", row.detail["fields"])

    def test_other_organisations_get_404(self) -> None:
        consult(self.case, 2, "母親からの電話")
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url)
                self.assertEqual(response.status_code, 404)
                self.assertNotContains(response, "母親からの電話", status_code=404)

    def test_the_cost_is_the_same_for_one_and_fifteen_consultations(self) -> None:
        self.login(self.soudan)
        consult(self.case, 1)
        self.client.get(self.url)  # warm the session
        counts = []
        for total in (1, 15):
            while self.case.consultations.count() < total:
                consult(self.case, self.case.consultations.count() + 1)
            with CaptureQueriesContext(connection) as captured:
                self.client.get(self.url)
            counts.append(len(captured.captured_queries))
        self.assertEqual(counts[0], counts[1])
