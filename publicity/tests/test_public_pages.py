from datetime import date, time, timedelta

from django.utils import timezone

from community.models import Session
from community.services import attend_registered, place_set_archived
from community.tests.helpers import make_person, make_place, make_session
from publicity.ical import escape_text, fold
from tsunagu.test import BaseTestCase


class PublicPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]
        cls.code = cls.window.local_government.code
        cls.place = make_place(cls.ibasho, description="ゆっくり過ごせる場所です。")
        cls.hidden = make_place(cls.ibasho, name="非公開の居場所", is_public=False)
        cls.today = timezone.localdate()
        cls.session = make_session(cls.place, cls.ibasho, cls.today)
        make_session(cls.hidden, cls.ibasho, cls.today)
        attend_registered(
            session=cls.session,
            person=make_person(cls.world.organisations["npo"], "秘密", "参加者"),
            by=cls.ibasho,
        )

    def test_the_list_and_calendar_render_without_login_and_show_no_personal_data(self) -> None:
        response = self.client.get(f"/public/{self.code}/ibasho/")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<h1>居場所・家族の会のご案内</h1>", html=True)
        self.assertContains(response, "ひだまりの居場所")
        self.assertContains(response, "自由参加")
        self.assertContains(response, "0120-000-000（平日10時〜17時）")
        self.assertContains(response, "つなぐ駅から徒歩5分、段差なし")
        self.assertContains(response, f"{self.today.month}月{self.today.day}日")
        self.assertNotContains(response, "非公開の居場所")
        self.assertNotContains(response, "秘密")
        self.assertNotContains(response, "出席")
        self.assertNotContains(response, "http://")
        self.assertNotContains(response, "https://")
        self.assertContains(response, "publicity/public.css")

    def test_another_municipality_lists_none_of_these_and_a_prefecture_is_404(self) -> None:
        town = self.minato_window.local_government.code
        response = self.client.get(f"/public/{town}/ibasho/")
        self.assertContains(response, "公開している居場所はまだありません。")
        prefecture = self.window.local_government.prefecture
        assert prefecture is not None
        self.assertEqual(self.client.get(f"/public/{prefecture.code}/ibasho/").status_code, 404)

    def test_a_place_page_and_a_hidden_or_archived_place(self) -> None:
        response = self.client.get(f"/public/ibasho/{self.place.pk}/")
        self.assertContains(response, "ゆっくり過ごせる場所です。")
        self.assertEqual(self.client.get(f"/public/ibasho/{self.hidden.pk}/").status_code, 404)
        place_set_archived(place=self.place, archived=True, by=self.ibasho)
        self.assertEqual(self.client.get(f"/public/ibasho/{self.place.pk}/").status_code, 404)

    def test_month_navigation(self) -> None:
        response = self.client.get(f"/public/{self.code}/ibasho/", {"month": "2020-02"})
        self.assertContains(response, "2020年2月の開催日")
        self.assertContains(response, "この月の開催予定はありません。")
        self.assertContains(response, "?month=2020-03")


class IcsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        ibasho = cls.world.staff["ibasho"]
        cls.place = make_place(
            ibasho,
            name="ひだまり; 茶話会, 水曜",
            access_notes="つなぐ駅から徒歩5分\n段差なし、車いす可。バリアフリーのお手洗いがあります。",
        )
        cls.day = timezone.localdate() + timedelta(days=3)
        cls.session = make_session(cls.place, ibasho, cls.day, time(13, 0), time(16, 0))
        make_session(cls.place, ibasho, cls.day + timedelta(days=7), is_cancelled=True)

    def test_the_feed_is_rfc_5545(self) -> None:
        response = self.client.get(f"/public/ibasho/{self.place.pk}/calendar.ics")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "text/calendar; charset=utf-8")
        body = response.content
        self.assertTrue(body.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"))
        self.assertTrue(body.endswith(b"END:VCALENDAR\r\n"))
        self.assertNotIn(b"\n", body.replace(b"\r\n", b""))  # every line ends with CRLF
        for line in body.split(b"\r\n"):
            self.assertLessEqual(len(line), 75, line)
        unfolded = body.decode().replace("\r\n ", "")
        self.assertIn(f"DTSTART;TZID=Asia/Tokyo:{self.day:%Y%m%d}T130000\r\n", unfolded)
        self.assertIn(f"DTEND;TZID=Asia/Tokyo:{self.day:%Y%m%d}T160000\r\n", unfolded)
        self.assertIn("SUMMARY:ひだまり\\; 茶話会\\, 水曜 フリースペース\r\n", unfolded)
        self.assertIn("つなぐ駅から徒歩5分\\n段差なし、車いす可。", unfolded)
        self.assertIn("TZID:Asia/Tokyo\r\n", unfolded)
        self.assertEqual(unfolded.count("BEGIN:VEVENT"), 2)
        self.assertIn("STATUS:CANCELLED", unfolded)
        self.assertIn(f"UID:ibasho-session-{self.session.pk}@testserver", unfolded)
        self.assertEqual(Session.objects.filter(place=self.place).count(), 2)

    def test_fold_never_splits_a_character_and_escape_covers_the_specials(self) -> None:
        line = "DESCRIPTION:" + "あ" * 60
        folded = fold(line)
        pieces = folded.split("\r\n")
        self.assertEqual([len(p.encode()) for p in pieces], [75, 73, 46])
        self.assertEqual("".join(p[1:] if i else p for i, p in enumerate(pieces)), line)
        self.assertEqual(escape_text("a\\b;c,d\ne"), "a\\\\b\\;c\\,d\\ne")
        self.assertEqual(fold("short"), "short")


class PublicDateTests(BaseTestCase):
    def test_a_session_two_years_ahead_is_listed_in_its_month(self) -> None:
        place = make_place(self.world.staff["ibasho"])
        make_session(place, self.world.staff["ibasho"], date(2026, 1, 14))
        response = self.client.get(
            f"/public/{self.window.local_government.code}/ibasho/", {"month": "2026-01"}
        )
        self.assertContains(
            response, "1月14日（水）13:00〜16:00 ひだまりの居場所「フリースペース」"
        )
