from datetime import date

from django.utils import timezone

from audit.models import AuditEvent
from cases.tests.helpers import open_case
from community.models import Attendance, NicknameParticipant, Place, Reservation, Session
from community.services import attend_registered
from community.tests.helpers import make_person, make_place, make_reservation_place, make_session
from tsunagu.test import BaseTestCase


class PermissionTests(BaseTestCase):
    """The NPO ひだまり runs the place. Its ibasho staff run it; the commissioning window (つなぐ市)
    does not see it (its records belong to the NPO); other organisations get 404."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.place = make_place(cls.ibasho)
        cls.session = make_session(cls.place, cls.ibasho, timezone.localdate())

    def urls(self) -> list[str]:
        return [
            f"/ibasho/{self.place.pk}/",
            f"/ibasho/{self.place.pk}/edit/",
            f"/ibasho/sessions/{self.session.pk}/",
        ]

    def test_ibasho_staff_of_the_operator_runs_the_place(self) -> None:
        self.login(self.ibasho)
        for url in [*self.urls(), "/ibasho/", "/ibasho/new/", "/ibasho/figures/"]:
            self.assertEqual(self.client.get(url).status_code, 200, url)

    def test_other_organisations_get_404_and_it_is_audited(self) -> None:
        for user in (
            self.soudan,
            self.minato,
            self.houkatsu,
            self.world.staff["centre"],
            self.world.staff["jiritsu"],
        ):
            self.login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.minato)
        self.assertEqual([row.detail["reason"] for row in denied], ["out_of_scope"] * 3)

    def test_the_window_list_does_not_show_the_npo_place(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/ibasho/")
        self.assertEqual(response.status_code, 200)
        self.assertNotContains(response, "ひだまりの居場所")

    def test_supporter_statistics_clerk_and_auditor_are_refused(self) -> None:
        self.login(self.world.staff["supporter"])  # same organisation, no right: 403
        for url in self.urls():
            self.assertEqual(self.client.get(url).status_code, 403, url)
        self.assertEqual(self.client.get("/ibasho/").status_code, 403)
        self.assertEqual(self.client.get("/ibasho/figures/").status_code, 403)
        for user in (self.toukei, self.kansa):
            self.login(user)
            for url in self.urls():
                self.assertEqual(self.client.get(url).status_code, 404, (user, url))
            self.assertEqual(self.client.get("/ibasho/").status_code, 403)
        self.login(self.toukei)
        self.assertEqual(self.client.get("/ibasho/figures/").status_code, 200)
        self.login(self.kansa)
        self.assertEqual(self.client.get("/ibasho/figures/").status_code, 403)

    def test_a_worker_of_the_operator_organisation_runs_the_place_too(self) -> None:
        window_place = make_place(
            self.soudan, name="つなぐ市 家族教室", family_programme="family_class"
        )
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/ibasho/{window_place.pk}/").status_code, 200)
        self.login(self.toukei)  # statistics clerk of the same office: figures only
        self.assertEqual(self.client.get(f"/ibasho/{window_place.pk}/").status_code, 403)
        self.assertContains(self.client.get("/ibasho/figures/"), "つなぐ市 家族教室")

    def test_anonymous_visitors_are_sent_to_login(self) -> None:
        response = self.client.get(f"/ibasho/{self.place.pk}/")
        self.assertEqual(response.status_code, 302)


class PlacePageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]

    def test_create_a_place_with_a_weekly_schedule(self) -> None:
        self.login(self.ibasho)
        response = self.client.post(
            "/ibasho/new/",
            {
                "name": "水曜の居場所",
                "kind": "regular",
                "audience": "youth",
                "family_programme": "",
                "reservation_policy": "free",
                "address": "つなぐ市本町1-1",
                "contact": "0120-111-111",
                "is_public": "on",
            },
        )
        place = Place.objects.get(name="水曜の居場所")
        self.assertRedirects(response, f"/ibasho/{place.pk}/")
        self.assertEqual(place.organisation, self.world.organisations["npo"])
        today = timezone.localdate()
        response = self.client.post(
            f"/ibasho/{place.pk}/schedules/new/",
            {
                "frequency": "weekly",
                "weekday": "2",
                "start_time": "13:00",
                "end_time": "16:00",
                "starts_on": today.isoformat(),
                "ends_on": "",
                "closed_on_holidays": "on",
                "programme": "free_space",
            },
            follow=True,
        )
        self.assertContains(response, "終了日の指定がないため、2年先")
        self.assertContains(response, "毎週水曜 13:00〜16:00（祝日は休み）")
        self.assertGreater(Session.objects.filter(place=place).count(), 90)

    def test_bad_input_keeps_the_form_and_says_why(self) -> None:
        self.login(self.ibasho)
        response = self.client.post(
            "/ibasho/new/",
            {
                "name": "予約制",
                "kind": "regular",
                "audience": "anyone",
                "reservation_policy": "reservation",
            },
        )
        self.assertContains(response, "予約制の居場所には定員を入力してください。")
        self.assertFalse(Place.objects.filter(name="予約制").exists())
        place = make_place(self.ibasho)
        response = self.client.post(
            f"/ibasho/{place.pk}/schedules/new/",
            {
                "frequency": "monthly_nth",
                "weekday": "5",
                "start_time": "13:00",
                "end_time": "12:00",
                "starts_on": "2025-04-01",
                "programme": "tea",
            },
        )
        self.assertContains(response, "第何週かを選んでください")
        self.assertContains(response, "終了時刻は開始時刻より後にしてください。")

    def test_overlap_is_refused_on_the_page(self) -> None:
        place = make_place(self.ibasho)
        make_session(place, self.ibasho, date(2025, 6, 4))
        self.login(self.ibasho)
        response = self.client.post(
            f"/ibasho/{place.pk}/sessions/new/",
            {"date": "2025-06-04", "start_time": "15:00", "end_time": "17:00", "programme": "tea"},
        )
        self.assertContains(response, "この居場所には同じ時間帯に別の開催回があります")
        self.assertEqual(Session.objects.filter(place=place).count(), 1)

    def test_archive_keeps_the_history(self) -> None:
        place = make_place(self.ibasho)
        session = make_session(place, self.ibasho, date(2025, 6, 4))
        attend_registered(
            session=session,
            person=make_person(self.world.organisations["npo"], "森", "一"),
            by=self.ibasho,
        )
        self.login(self.ibasho)
        response = self.client.post(f"/ibasho/{place.pk}/archive/", {"archive": "1"}, follow=True)
        self.assertContains(response, "アーカイブしました。これまでの開催回と出席の記録は残り")
        place.refresh_from_db()
        self.assertTrue(place.is_archived)
        self.assertFalse(place.is_public)
        self.assertEqual(Attendance.objects.filter(session__place=place).count(), 1)
        self.assertNotContains(self.client.get("/ibasho/"), place.name)
        self.assertContains(self.client.get("/ibasho/?archived=1"), place.name)


class AttendancePageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.npo = cls.world.organisations["npo"]
        cls.place = make_reservation_place(cls.ibasho, capacity=1)
        # Today's session: attendance is recorded on the day (a session ahead is only reserved).
        cls.session = make_session(cls.place, cls.ibasho, timezone.localdate())
        cls.person = make_person(cls.npo, "高田", "陽介", family_name_kana="タカダ")

    def url(self, suffix: str = "") -> str:
        return f"/ibasho/sessions/{self.session.pk}/{suffix}"

    def test_registered_nickname_and_anonymous_attendance(self) -> None:
        self.login(self.ibasho)
        response = self.client.get(self.url(), {"q": "高田"})
        self.assertContains(response, "高田 陽介")
        self.client.post(self.url("attend/registered/"), {"person": self.person.pk})
        response = self.client.post(
            self.url("attend/nickname/"),
            {"nickname": "ひな", "age_band": "20s", "sex": "female"},
            follow=True,
        )
        self.assertContains(response, "「ひな」さんの出席を記録しました。")
        response = self.client.post(
            self.url("attend/anonymous/"), {"head_count": "2", "first_time_count": "1"}, follow=True
        )
        self.assertContains(response, "出席（4人）")
        self.assertContains(response, "2人（うち初めて 1人）")
        self.assertEqual(
            sorted(self.session.attendances.values_list("kind", flat=True)),
            ["anonymous", "nickname", "registered"],
        )
        reads = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertIn(self.person.pk, reads[-1].detail["ids"])

    def test_the_case_link_shows_only_to_who_may_read_cases(self) -> None:
        window_place = make_place(self.soudan, name="市の居場所")
        session = make_session(window_place, self.soudan, date(2025, 6, 4))
        case = open_case(self.soudan)
        assert case.person is not None
        attend_registered(session=session, person=case.person, by=self.soudan)
        self.login(self.soudan)
        self.assertContains(
            self.client.get(f"/ibasho/sessions/{session.pk}/"), f"/cases/{case.pk}/"
        )
        # The NPO's ibasho staff never see a case link, even for their own participant.
        npo_case_person = self.person
        attend_registered(session=self.session, person=npo_case_person, by=self.ibasho)
        self.login(self.ibasho)
        self.assertNotContains(self.client.get(self.url()), "/cases/")

    def test_reservation_beyond_capacity_and_promotion(self) -> None:
        self.login(self.ibasho)
        self.client.post(self.url("reservations/"), {"person": self.person.pk, "channel": "phone"})
        response = self.client.post(
            self.url("reservations/"), {"new_nickname": "みどり", "channel": "sns"}, follow=True
        )
        self.assertContains(response, "定員（1人）に達しているため、キャンセル待ち（1番目）")
        self.assertContains(response, "予約（定員 1人、予約済み 1人、キャンセル待ち 1人）")
        first = Reservation.objects.get(person=self.person)
        response = self.client.post(f"/ibasho/reservations/{first.pk}/cancel/", follow=True)
        self.assertContains(response, "キャンセル待ちの1番目の方を予約済みに繰り上げました。")
        waiting = Reservation.objects.get(nickname__nickname="みどり")
        self.assertEqual(waiting.status, Reservation.Status.CONFIRMED)

    def test_link_and_unlink_a_nickname_on_the_page(self) -> None:
        nickname = NicknameParticipant.objects.create(organisation=self.npo, nickname="つき")
        self.login(self.ibasho)
        self.assertContains(
            self.client.get(f"/ibasho/nicknames/{nickname.pk}/", {"q": "高田"}), "高田 陽介"
        )
        response = self.client.post(
            f"/ibasho/nicknames/{nickname.pk}/link/", {"person": self.person.pk}, follow=True
        )
        self.assertContains(response, "本人の記録に結び付けました")
        response = self.client.post(f"/ibasho/nicknames/{nickname.pk}/unlink/", follow=True)
        self.assertContains(response, "結び付けを解除しました")
        nickname.refresh_from_db()
        self.assertIsNone(nickname.linked_person_id)

    def test_the_nickname_list_audits_the_linked_persons_it_names(self) -> None:
        NicknameParticipant.objects.create(
            organisation=self.npo, nickname="つき", linked_person=self.person
        )
        self.login(self.ibasho)
        self.assertContains(self.client.get("/ibasho/nicknames/"), "高田 陽介")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertEqual(row.detail["ids"], [self.person.pk])

    def test_another_organisations_person_cannot_be_recorded(self) -> None:
        stranger = make_person(self.minato_window, "港", "二")
        self.login(self.ibasho)
        response = self.client.post(self.url("attend/registered/"), {"person": stranger.pk})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(self.session.attendances.exists())


class FiguresPageTests(BaseTestCase):
    def test_the_page_shows_counts_and_no_names(self) -> None:
        ibasho = self.world.staff["ibasho"]
        place = make_place(ibasho)
        session = make_session(place, ibasho, date(2025, 6, 4))
        attend_registered(
            session=session,
            person=make_person(self.world.organisations["npo"], "秘密", "名前"),
            by=ibasho,
        )
        self.login(ibasho)
        response = self.client.get("/ibasho/figures/", {"start": "2025-04-01", "end": "2026-03-31"})
        self.assertContains(
            response,
            '<th scope="row">ひだまりの居場所</th>'
            "<td>1</td><td>1</td><td>1</td><td>1</td><td>0</td>",
            html=False,
        )
        self.assertNotContains(response, "秘密")
        response = self.client.get("/ibasho/figures/", {"start": "2025-04-01", "end": "2025-03-01"})
        self.assertContains(response, "期間の末日は初日より後にしてください。")

    def test_a_wrong_period_is_named_in_japanese_at_its_field(self) -> None:
        self.login(self.world.staff["ibasho"])
        response = self.client.get("/ibasho/figures/", {"start": "2025-04-01", "end": "2025-03-01"})
        self.assertContains(response, "入力内容を確認してください")
        self.assertContains(
            response, "入力した期間では集計していません。今年度の数字を表示しています。"
        )
        self.assertContains(
            response,
            '<a href="#id_end">期間の末日：期間の末日は初日より後にしてください。</a>',
            html=True,
        )
        self.assertContains(
            response,
            '<span class="field-error" id="id_end_error" role="alert">'
            "期間の末日は初日より後にしてください。</span>",
            html=True,
        )
        # The form's own error list named the fields by their keys.
        self.assertNotContains(response, "<li>end")
        self.assertNotContains(response, 'class="errorlist"')
