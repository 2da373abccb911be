from datetime import time, timedelta
from typing import Any

from django.utils import timezone

from cases.demo import build_cases
from cases.models import Case
from collaboration.demo import build_agencies
from community.models import Place, Session
from people.demo import build_people
from supporters.demo import build_supporters
from supporters.models import Dispatch, DispatchReport, Supporter
from supporters.services import SESSION_CANCELLED, SESSION_REQUIRED
from supporters.tests.helpers import in_days, local_minute, register
from tsunagu.test import BaseTestCase


class SessionDispatchTests(BaseTestCase):
    def setUp(self) -> None:
        self.supporter = register(self.soudan, user=self.world.staff["supporter"])
        self.place = Place.objects.create(organisation=self.window, name="つなぐ市 まちかどサロン")
        self.session = Session.objects.create(
            place=self.place, date=in_days(3).date(), start_time=time(13), end_time=time(16)
        )
        other_place = Place.objects.create(organisation=self.minato_window, name="みなとの居場所")
        self.other_session = Session.objects.create(
            place=other_place, date=in_days(3).date(), start_time=time(13), end_time=time(16)
        )

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "supporter": str(self.supporter.pk),
            "kind": "session",
            "case": "",
            "session": str(self.session.pk),
            "starts_at": local_minute(in_days(3, hour=13)),
            "meeting_point": "まちかどサロンの入口",
            "display_name": "参加者のみなさん",
            "worker": str(self.soudan.pk),
        }
        data.update(overrides)
        return data

    def test_a_supporter_is_dispatched_to_a_session_of_a_place_of_the_organisation(self) -> None:
        self.login(self.soudan)
        offered = self.client.get("/dispatches/new/").context["form"].fields["session"].choices
        labels = [str(label) for _, label in offered]
        self.assertTrue(any(label.startswith("つなぐ市 まちかどサロン") for label in labels))
        self.assertFalse(any("みなと" in label for label in labels))
        response = self.client.post("/dispatches/new/", self.form_data())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Dispatch.objects.get().session, self.session)
        page = self.client.get(response["Location"])
        self.assertContains(page, "つなぐ市 まちかどサロン")

    def test_a_session_is_required_on_its_day_and_not_when_cancelled(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/dispatches/new/", self.form_data(session=""))
        self.assertContains(response, SESSION_REQUIRED)
        response = self.client.post(
            "/dispatches/new/", self.form_data(starts_at=local_minute(in_days(4, hour=13)))
        )
        self.assertContains(response, "日時が開催回の日付（令和")
        response = self.client.post(
            "/dispatches/new/", self.form_data(session=str(self.other_session.pk))
        )
        self.assertContains(response, "居場所の開催回は一覧にあるものから選んでください。")
        Session.objects.filter(pk=self.session.pk).update(is_cancelled=True)
        response = self.client.post("/dispatches/new/", self.form_data())
        self.assertContains(response, "居場所の開催回は一覧にあるものから選んでください。")
        self.assertTrue(SESSION_CANCELLED)
        self.assertFalse(Dispatch.objects.exists())


class DemoTests(BaseTestCase):
    def test_the_demo_supporters_and_the_reported_visit_and_it_runs_twice(self) -> None:
        persons = build_people(self.world)
        build_cases(self.world, persons, build_agencies(self.world))
        build_supporters(self.world)
        build_supporters(self.world)
        self.assertEqual(Supporter.objects.count(), 3)
        linked = Supporter.objects.get(user=self.world.staff["supporter"])
        self.assertEqual(linked.name, "支援 ゆう")
        self.assertEqual(linked.total_training_hours, 15.0)
        case = Case.objects.get(title="高橋さん世帯（父と長男）")
        self.assertEqual(
            list(case.dispatches.order_by("starts_at").values_list("state", flat=True)),
            ["done", "planned"],
        )
        report = DispatchReport.objects.get()
        self.assertTrue(report.has_concerns)
        self.assertLess(report.dispatch.starts_at, timezone.now() - timedelta(days=6))
        self.login(self.world.staff["supporter"])
        page = self.client.get("/my/dispatches/")
        self.assertContains(page, "しげるさん（お父さん）")
        self.assertNotContains(page, "高橋")
