"""A visitor known by a nickname only is found again however the nickname is typed (ソラ = そら,
ﾐｶﾝ = ミカン) before a second participant is created for them."""

import importlib

from django.apps import apps
from django.utils import timezone

from community.models import Attendance, NicknameParticipant, Reservation
from community.services import (
    NicknameKnown,
    attend_new_nickname,
    nickname_candidates,
    nickname_create,
)
from community.tests.helpers import make_place, make_reservation_place, make_session
from tsunagu.test import BaseTestCase

fill_migration = importlib.import_module("community.migrations.0005_nickname_participant_loose_key")


class NicknameKeyTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.npo = cls.world.organisations["npo"]
        cls.sora = nickname_create(
            organisation_id=cls.npo.pk, data={"nickname": "ソラ"}, by=cls.ibasho
        )
        cls.mikan = nickname_create(
            organisation_id=cls.npo.pk, data={"nickname": "ミカン"}, by=cls.ibasho
        )

    def test_the_key_folds_script_and_width(self) -> None:
        self.assertEqual(self.sora.nickname_key, "ソラ")
        self.assertEqual(nickname_candidates(self.npo.pk, "そら"), [self.sora])
        self.assertEqual(nickname_candidates(self.npo.pk, "ﾐｶﾝ"), [self.mikan])
        self.assertEqual(nickname_candidates(self.npo.pk, "みかん "), [self.mikan])
        self.assertEqual(nickname_candidates(self.npo.pk, "ソラノ"), [])

    def test_a_nickname_of_another_organisation_is_not_offered(self) -> None:
        self.assertEqual(nickname_candidates(self.window.pk, "そら"), [])
        other = nickname_create(
            organisation_id=self.window.pk, data={"nickname": "そら"}, by=self.soudan
        )
        self.assertEqual(other.nickname_key, "ソラ")

    def test_a_new_participant_reading_as_a_known_one_is_refused_until_confirmed(self) -> None:
        with self.assertRaises(NicknameKnown) as refused:
            nickname_create(organisation_id=self.npo.pk, data={"nickname": "そら"}, by=self.ibasho)
        self.assertEqual(refused.exception.candidates, [self.sora])
        self.assertIn("「そら」と同じ読みのニックネームの方", refused.exception.messages[0])
        self.assertEqual(NicknameParticipant.objects.filter(nickname_key="ソラ").count(), 1)
        second = nickname_create(
            organisation_id=self.npo.pk,
            data={"nickname": "そら"},
            by=self.ibasho,
            confirmed_new=True,
        )
        self.assertEqual(nickname_candidates(self.npo.pk, "ソラ"), [self.sora, second])

    def test_a_refused_first_visit_leaves_neither_participant_nor_attendance(self) -> None:
        session = make_session(make_place(self.ibasho), self.ibasho, timezone.localdate())
        with self.assertRaises(NicknameKnown):
            attend_new_nickname(session=session, data={"nickname": "ﾐｶﾝ"}, by=self.ibasho)
        self.assertFalse(Attendance.objects.exists())
        self.assertEqual(NicknameParticipant.objects.count(), 2)

    def test_renaming_keeps_the_key_in_step(self) -> None:
        self.sora.nickname = "ﾊﾙ"
        self.sora.save(update_fields=["nickname"])
        self.sora.refresh_from_db()
        self.assertEqual(self.sora.nickname_key, "ハル")

    def test_the_migration_fills_the_key_of_existing_rows(self) -> None:
        NicknameParticipant.objects.update(nickname_key="")
        fill_migration.fill_nickname_keys(apps, None)
        self.assertEqual(
            sorted(NicknameParticipant.objects.values_list("nickname_key", flat=True)),
            ["ソラ", "ミカン"],
        )


class NicknamePageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.npo = cls.world.organisations["npo"]
        cls.place = make_reservation_place(cls.ibasho, capacity=5)
        cls.session = make_session(cls.place, cls.ibasho, timezone.localdate())
        cls.sora = nickname_create(
            organisation_id=cls.npo.pk, data={"nickname": "ソラ"}, by=cls.ibasho
        )

    def url(self, suffix: str = "") -> str:
        return f"/ibasho/sessions/{self.session.pk}/{suffix}"

    def test_the_page_offers_the_known_participant_before_creating_a_new_one(self) -> None:
        self.login(self.ibasho)
        response = self.client.post(
            self.url("attend/nickname/"), {"nickname": "そら", "age_band": "20s", "sex": ""}
        )
        self.assertContains(response, "同じ方かもしれません")
        self.assertContains(response, "「そら」と同じ読みのニックネームの方がすでに記録")
        self.assertContains(response, f'href="/ibasho/nicknames/{self.sora.pk}/">ソラ</a>')
        self.assertContains(response, f'name="nickname_id" value="{self.sora.pk}"', html=False)
        self.assertContains(response, "この方として出席を記録")
        self.assertContains(response, 'name="confirmed_new" value="1"', html=False)
        self.assertEqual(NicknameParticipant.objects.count(), 1)
        self.assertFalse(Attendance.objects.exists())

        response = self.client.post(
            self.url("attend/nickname/"), {"nickname_id": self.sora.pk}, follow=True
        )
        self.assertContains(response, "「ソラ」さんの出席を記録しました。")
        self.assertEqual(Attendance.objects.get().nickname, self.sora)

    def test_someone_else_is_recorded_as_new_when_the_worker_says_so(self) -> None:
        self.login(self.ibasho)
        response = self.client.post(
            self.url("attend/nickname/"),
            {"nickname": "そら", "age_band": "20s", "sex": "", "confirmed_new": "1"},
            follow=True,
        )
        self.assertContains(response, "「そら」さんの出席を記録しました。")
        self.assertEqual(NicknameParticipant.objects.filter(nickname_key="ソラ").count(), 2)

    def test_a_reservation_under_a_known_nickname_offers_the_participant(self) -> None:
        self.login(self.ibasho)
        body = {"new_nickname": "ｿﾗ", "channel": "sns", "note": "初めての予約"}
        response = self.client.post(self.url("reservations/"), body)
        self.assertContains(response, "この方の予約を受け付ける")
        self.assertFalse(Reservation.objects.exists())
        self.client.post(
            self.url("reservations/"),
            {"nickname_id": self.sora.pk, "channel": "sns", "note": "初めての予約"},
        )
        reservation = Reservation.objects.get()
        self.assertEqual((reservation.nickname, reservation.note), (self.sora, "初めての予約"))
        self.assertEqual(NicknameParticipant.objects.count(), 1)

    def test_the_search_finds_a_nickname_however_it_is_typed(self) -> None:
        self.login(self.ibasho)
        response = self.client.get(self.url(), {"q": "そら"})
        self.assertContains(response, "ニックネーム「ソラ」")
