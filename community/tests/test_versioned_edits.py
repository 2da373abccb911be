"""Two editors of one place or session: the second save, from a form opened before the first,
is refused with the message and both versions shown; nothing of it is saved."""

from datetime import time, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from audit.models import AuditEvent
from community.forms import PlaceForm, SessionEditForm
from community.models import NicknameParticipant, Place, Reservation, ScheduleException, Session
from community.services import (
    FREE_PARTICIPATION,
    STALE_PLACE,
    STALE_SESSION,
    place_update,
    schedule_add_exception,
    schedule_create,
    session_update,
)
from community.tests.helpers import make_place, make_session
from tsunagu.test import BaseTestCase
from tsunagu.versioning import StaleVersionError


def place_post(place: Place, **changes: Any) -> dict[str, Any]:
    """The edit form as the worker sends it: the saved values, the version seen, the changes."""
    values = {**PlaceForm.saved_values(place), "version": place.version, **changes}
    post = {name: value for name, value in values.items() if value not in (None, False)}
    return {name: "on" if value is True else value for name, value in post.items()}


def session_post(session: Session, **changes: Any) -> dict[str, Any]:
    values = {**SessionEditForm.initial_for(session), **changes}
    post = {name: value for name, value in values.items() if value not in (None, False)}
    post["date"] = values["date"].isoformat()
    post["start_time"] = f"{values['start_time']:%H:%M}"
    post["end_time"] = f"{values['end_time']:%H:%M}"
    return {name: "on" if value is True else value for name, value in post.items()}


class TwoEditorsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]

    def setUp(self) -> None:
        self.first, self.second = Client(), Client()
        self.first.force_login(self.ibasho)
        self.second.force_login(self.ibasho)

    def updates_of(self, record: Place | Session) -> list[AuditEvent]:
        return self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(record.pk))


class PlaceEditTests(TwoEditorsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.place = make_place(self.ibasho)
        self.url = f"/ibasho/{self.place.pk}/edit/"

    def test_the_second_save_is_refused_with_both_versions_and_keeps_the_input(self) -> None:
        opened = Place.objects.get(pk=self.place.pk)  # both editors opened the form at version 1
        first = self.first.post(self.url, place_post(opened, name="ひだまりカフェ"))
        self.assertRedirects(first, f"/ibasho/{self.place.pk}/")
        second = self.second.post(self.url, place_post(opened, contact="090-1111-2222"))
        self.assertEqual(second.status_code, 200)
        self.assertContains(second, STALE_PLACE)
        # Saved (版 2) next to typed: the name the first editor saved, the name the form still had.
        self.assertContains(second, "保存されている内容（版 2）")
        self.assertContains(second, "<td>ひだまりカフェ</td><td>ひだまりの居場所</td>", html=True)
        self.assertContains(second, 'value="090-1111-2222"')  # the worker's input is kept
        saved = Place.objects.get(pk=self.place.pk)
        self.assertEqual((saved.name, saved.version), ("ひだまりカフェ", 2))
        self.assertEqual(saved.contact, opened.contact)
        self.assertEqual([row.detail["fields"] for row in self.updates_of(saved)], [["name"]])

    def test_saving_again_after_the_refusal_replaces_knowingly(self) -> None:
        opened = Place.objects.get(pk=self.place.pk)
        self.first.post(self.url, place_post(opened, name="ひだまりカフェ"))
        refused = self.second.post(self.url, place_post(opened, contact="090-1111-2222"))
        rebound = refused.context["form"]
        self.assertEqual(rebound["version"].value(), "2")
        again = self.second.post(self.url, {**place_post(opened), **rebound.data})
        self.assertRedirects(again, f"/ibasho/{self.place.pk}/")
        saved = Place.objects.get(pk=self.place.pk)
        self.assertEqual(
            (saved.name, saved.contact, saved.version), ("ひだまりの居場所", "090-1111-2222", 3)
        )

    def test_the_service_refuses_a_stale_version_and_writes_nothing(self) -> None:
        with self.assertRaisesMessage(StaleVersionError, STALE_PLACE):
            place_update(place=self.place, data={"name": "古い版から"}, version=0, by=self.ibasho)
        self.assertEqual(Place.objects.get(pk=self.place.pk).name, "ひだまりの居場所")
        self.assertEqual(self.updates_of(self.place), [])

    def test_archiving_moves_the_version_on(self) -> None:
        opened = Place.objects.get(pk=self.place.pk)
        self.first.post(f"/ibasho/{self.place.pk}/archive/", {"archive": "1"})
        refused = self.second.post(self.url, place_post(opened, description="紹介文"))
        self.assertContains(refused, STALE_PLACE)
        saved = Place.objects.get(pk=self.place.pk)
        self.assertTrue(saved.is_archived)
        self.assertFalse(saved.is_public)


class SessionEditTests(TwoEditorsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.place = make_place(self.ibasho)
        self.session = make_session(
            self.place, self.ibasho, timezone.localdate() + timedelta(days=3), title="茶話会"
        )
        self.url = f"/ibasho/sessions/{self.session.pk}/edit/"

    def test_the_second_save_is_refused_with_both_versions_and_nothing_changes(self) -> None:
        opened = Session.objects.get(pk=self.session.pk)
        first = self.first.post(self.url, session_post(opened, title="ゲーム会"))
        self.assertRedirects(first, f"/ibasho/sessions/{self.session.pk}/")
        second = self.second.post(self.url, session_post(opened, start_time=time(14, 0)))
        self.assertEqual(second.status_code, 200)
        self.assertContains(second, STALE_SESSION)
        self.assertContains(second, "<td>ゲーム会</td><td>茶話会</td>", html=True)
        self.assertContains(second, 'value="14:00"')
        saved = Session.objects.get(pk=self.session.pk)
        self.assertEqual(
            (saved.title, saved.start_time, saved.version), ("ゲーム会", time(13, 0), 2)
        )
        self.assertEqual([row.detail["fields"] for row in self.updates_of(saved)], [["title"]])

    def test_the_service_refuses_a_stale_version(self) -> None:
        data = SessionEditForm.initial_for(self.session)
        data = {name: data[name] for name in ("date", "start_time", "end_time", "programme")}
        with self.assertRaisesMessage(StaleVersionError, STALE_SESSION):
            session_update(
                session=self.session,
                data={**data, "title": "古い版から"},
                staff=[self.ibasho],
                version=0,
                by=self.ibasho,
            )
        self.assertEqual(Session.objects.get(pk=self.session.pk).title, "茶話会")

    def test_a_closed_day_exception_cancels_the_session_and_an_open_form_is_refused(self) -> None:
        day = timezone.localdate() + timedelta(days=10)
        schedule, _, _ = schedule_create(
            place=self.place,
            data={
                "frequency": "weekly",
                "weekday": day.weekday(),
                "weeks_of_month": [],
                "day_of_month": None,
                "start_time": time(10, 0),
                "end_time": time(12, 0),
                "starts_on": day,
                "ends_on": day + timedelta(days=14),
                "closed_on_holidays": False,
                "programme": "free_space",
                "title": "",
            },
            by=self.ibasho,
        )
        session = Session.objects.get(schedule=schedule, date=day)
        opened = Session.objects.get(pk=session.pk)
        schedule_add_exception(
            schedule=schedule,
            day=day,
            kind=ScheduleException.Kind.CLOSED,
            note="施設点検",
            by=self.ibasho,
        )
        cancelled = Session.objects.get(pk=session.pk)
        self.assertEqual((cancelled.is_cancelled, cancelled.version), (True, 2))
        url = f"/ibasho/sessions/{session.pk}/edit/"
        refused = self.second.post(url, session_post(opened, notes="持ち物: 上履き"))
        self.assertContains(refused, STALE_SESSION)
        self.assertTrue(Session.objects.get(pk=session.pk).is_cancelled)


class ReservationRuleTests(TwoEditorsTestCase):
    def test_a_free_place_refuses_a_new_nickname_with_the_services_message(self) -> None:
        place = make_place(self.ibasho)  # 自由参加
        session = make_session(place, self.ibasho, timezone.localdate() + timedelta(days=1))
        response = self.first.post(
            f"/ibasho/sessions/{session.pk}/reservations/",
            {"new_nickname": "みどり", "channel": "sns"},
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, FREE_PARTICIPATION)
        self.assertFalse(NicknameParticipant.objects.filter(nickname="みどり").exists())
        self.assertFalse(Reservation.objects.exists())
