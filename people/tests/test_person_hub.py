"""The person page as the hub (/persons/<id>/): the person's cases, consultations, referrals,
households, consents, meetings and ibasho attendance — only what the user may see, newest first,
ten rows at most with the count of all, at a cost that does not grow with the records."""

from datetime import date, time, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation, User
from audit.models import AuditEvent
from cases.models import Case, Stage
from cases.tests.helpers import days_ago, make_agency, open_case
from collaboration.models import AgendaItem, Consent, Meeting, MeetingMember, Referral
from community.models import Attendance, NicknameParticipant, Session
from community.tests.helpers import make_place, make_session
from consultations.models import Consultation
from people.hub_views import HUB_ROWS
from people.models import Person
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.test import BaseTestCase, audit_lock_queries
from tsunagu.tests.record_pages import RecordPage, read_record_page


class HubTestCase(BaseTestCase):
    person: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.person = make_person(cls.window, "高橋", "勇気", "タカハシ", "ユウキ")

    def url(self, person: Person | None = None) -> str:
        return f"/persons/{(person or self.person).pk}/"

    def page(self, user: User | None = None, person: Person | None = None) -> str:
        self.login(user or self.soudan)
        response = self.client.get(self.url(person))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    # ---- records of the person, `days` ago ----

    def case(self, days: int, organisation: Organisation | None = None) -> Case:
        if organisation is not None and organisation != self.window:
            # Another office's case of the same person (only possible as a stored row).
            return Case.objects.create(
                organisation=organisation,
                person=self.person,
                title="みなと町のケース",
                lead_worker=self.minato,
                opened_on=days_ago(days),
            )
        # One open case per person: the earlier ones are closed, as a long history would be.
        Case.objects.filter(person=self.person, organisation=self.window).update(
            stage=Stage.CLOSED, closed_on=days_ago(days)
        )
        return open_case(self.soudan, self.person, title=f"ケース{days}日前", opened_days_ago=days)

    def consultation(self, days: int, organisation: Organisation | None = None) -> Consultation:
        return Consultation.objects.create(
            organisation=organisation or self.window,
            received_at=timezone.now() - timedelta(days=days),
            channel="phone",
            consulter_type="family",
            consulter_relationship="mother",
            person=self.person,
            main_concern="hikikomori",
            categories=["hikikomori"],
            content="息子が部屋から出てこない",
            disposition="continue",
            taken_by=self.soudan,
        )

    def referral(self, days: int, organisation: Organisation | None = None) -> Referral:
        return Referral.objects.create(
            organisation=organisation or self.window,
            person=self.person,
            agency=make_agency(self.soudan, name=f"つなぎ先{days}"),
            purpose="生活の相談",
            referred_on=days_ago(days),
            follow_up_on=days_ago(-14),
            referred_by=self.soudan,
        )

    def membership(self, days: int) -> None:
        household = make_household(self.window, f"世帯{days}日前")
        add_member(household, self.person, "child", joined_on=days_ago(days))

    def consent(self, days: int, organisation: Organisation | None = None) -> Consent:
        return Consent.objects.create(
            organisation=organisation or self.window,
            person=self.person,
            given_by=Consent.GivenBy.PERSON,
            method=Consent.Method.SIGNATURE,
            purpose="関係機関と協力して支援するため",
            info_kinds=["basic"],
            given_on=days_ago(days),
            expires_on=days_ago(days - 365),
            recorded_by=self.soudan,
        )

    def meeting(self, days: int, case: Case, organisation: Organisation | None = None) -> Meeting:
        meeting = Meeting.objects.create(
            organisation=organisation or self.window,
            kind=Meeting.Kind.CASE_CONFERENCE,
            title=f"会議{days}日前",
            held_at=timezone.now() - timedelta(days=days),
            place="会議室",
            created_by=self.soudan,
        )
        AgendaItem.objects.create(meeting=meeting, case=case, added_by=self.soudan)
        return meeting

    def attendance(self, days: int, session: Session | None = None) -> Attendance:
        if session is None:
            place = make_place(self.soudan, name=f"居場所{days}日前")
            session = make_session(place, self.soudan, timezone.localdate() - timedelta(days))
        return Attendance.objects.create(
            session=session, kind="registered", person=self.person, recorded_by=self.soudan
        )

    def fill(self, count: int, *, first: int = 0) -> None:
        """`count` records in every section, 1 to `count` days ago (after `first`)."""
        for days in range(first + 1, first + count + 1):
            case = self.case(days)
            self.consultation(days)
            self.referral(days)
            self.membership(days)
            self.consent(days)
            self.meeting(days, case)
            self.attendance(days)


class WhatTheHubShows(HubTestCase):
    def test_each_section_lists_the_record_as_a_link_with_the_count(self) -> None:
        case = self.case(3)
        consultation = self.consultation(3)
        referral = self.referral(3)
        self.membership(3)
        consent = self.consent(3)
        meeting = self.meeting(3, case)
        attendance = self.attendance(3)
        page = self.page()
        for heading in ("ケース", "相談受付", "関係機関へのつなぎ", "世帯", "同意", "会議"):
            self.assertIn(f">{heading}</h2>", page)
        self.assertIn(">居場所への参加</h2>", page)
        self.assertIn(f'<a href="/cases/{case.pk}/">ケース3日前</a>', page)
        self.assertIn(f'href="/consultations/{consultation.pk}/"', page)
        self.assertIn("家族・母", page)
        self.assertIn(f'<a href="/referrals/{referral.pk}/">つなぎ先3</a>', page)
        self.assertIn("世帯3日前", page)
        self.assertIn(f'href="/consents/{consent.pk}/"', page)
        self.assertIn(f'href="/meetings/{meeting.pk}/"', page)
        self.assertIn("ケース会議「会議3日前」", page)
        self.assertIn(f'href="/ibasho/sessions/{attendance.session_id}/"', page)
        self.assertIn("居場所3日前", page)
        self.assertEqual(page.count("全1件"), 7)
        # What the caller said is on the consultation's page, not on the hub.
        self.assertNotIn("息子が部屋から出てこない", page)

    def test_an_empty_section_says_so(self) -> None:
        page = self.page()
        self.assertIn("ケースはありません。", page)
        self.assertIn("相談受付の記録はありません。", page)
        self.assertIn("居場所への参加の記録はありません。", page)
        self.assertNotIn("全0件", page)

    def test_each_section_shows_the_newest_ten_and_the_count_of_all(self) -> None:
        self.fill(HUB_ROWS + 5)
        page = self.page()
        self.assertEqual(page.count(f"全{HUB_ROWS + 5}件（新しい{HUB_ROWS}件を表示）"), 7)
        self.assertIn("ケース1日前", page)
        self.assertIn(f"ケース{HUB_ROWS}日前", page)
        self.assertNotIn(f"ケース{HUB_ROWS + 1}日前", page)
        self.assertNotIn(f"つなぎ先{HUB_ROWS + 1}<", page)
        self.assertNotIn(f"世帯{HUB_ROWS + 1}日前", page)
        self.assertNotIn(f"居場所{HUB_ROWS + 1}日前", page)
        self.assertLess(page.index("ケース1日前"), page.index("ケース2日前"))
        self.assertLess(page.index("会議1日前"), page.index("会議2日前"))

    def test_the_cases_link_to_the_case_list_filtered_to_the_person(self) -> None:
        self.case(3)
        page = self.page()
        link = f"/cases/?scope=organisation&amp;person={self.person.pk}"
        self.assertIn(f'<a href="{link}">すべて見る</a>', page)

    def test_attendance_under_a_nickname_linked_to_the_person_is_listed(self) -> None:
        place = make_place(self.soudan, name="ひだまり")
        session = make_session(place, self.soudan, date(2026, 4, 1), time(13), time(15))
        nickname = NicknameParticipant.objects.create(
            organisation=self.window, nickname="ゆう", linked_person=self.person
        )
        Attendance.objects.create(
            session=session, kind="nickname", nickname=nickname, recorded_by=self.soudan
        )
        self.assertIn("ニックネーム「ゆう」で参加", self.page())

    def test_the_rows_shown_are_audited_as_one_read_naming_their_ids(self) -> None:
        case = self.case(3)
        consultation = self.consultation(3)
        meeting = self.meeting(3, case)
        self.page()
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.case")
        self.assertEqual(row.actor_id, self.soudan.pk)
        self.assertEqual(row.detail["ids"], [case.pk])
        self.assertEqual(row.detail["consultations.consultation"], [consultation.pk])
        self.assertEqual(row.detail["collaboration.meeting"], [meeting.pk])
        self.assertEqual(row.detail["community.attendance"], [])

    def test_the_cost_is_the_same_for_one_and_fifteen_records_per_section(self) -> None:
        self.fill(1)
        self.login(self.soudan)
        self.client.get(self.url())  # warm the session

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(self.url()).status_code, 200)
            return len(captured.captured_queries)

        one = queries()
        self.fill(14, first=1)
        fifteen = queries()
        self.assertEqual(one, fifteen)
        # As pinned on the person page: 26 with the hub's eight queries (the 参加 section reads the
        # placements of the person's cases in one) and its audit row.
        self.assertEqual(one, 26 + 2 * audit_lock_queries())


class OnlyWhatTheUserMaySee(HubTestCase):
    def test_other_organisations_records_of_the_same_person_do_not_appear(self) -> None:
        other = self.minato_window
        self.case(3, other)
        self.consultation(3, other)
        self.referral(3, other)
        self.consent(3, other)
        page = self.page()
        self.assertNotIn("みなと町のケース", page)
        self.assertIn("ケースはありません。", page)
        self.assertIn("相談受付の記録はありません。", page)
        self.assertIn("つなぎはありません。", page)
        self.assertIn("同意の記録はありません。", page)

    def test_a_meeting_of_another_office_appears_only_to_its_members(self) -> None:
        case = self.case(3)
        assert self.houkatsu.organisation is not None
        meeting = self.meeting(3, case, self.houkatsu.organisation)
        self.assertNotIn(f'href="/meetings/{meeting.pk}/"', self.page())
        MeetingMember.objects.create(meeting=meeting, user=self.soudan)
        self.assertIn(f'href="/meetings/{meeting.pk}/"', self.page())

    def test_another_offices_ibasho_attendance_does_not_appear(self) -> None:
        npo_staff = self.world.staff["ibasho"]
        place = make_place(npo_staff, name="NPOの居場所")
        session = make_session(place, npo_staff, date(2026, 4, 1))
        self.attendance(3, session)
        page = self.page()
        self.assertNotIn("NPOの居場所", page)
        self.assertIn("居場所への参加の記録はありません。", page)

    def test_workers_of_another_organisation_get_404(self) -> None:
        self.case(3)
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, 404)

    def test_read_only_roles_get_403(self) -> None:
        for user in (self.kansa, self.toukei, self.admin):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, 403)

    def test_a_restricted_persons_records_are_shown_to_the_team_only(self) -> None:
        restricted = make_person(
            self.window,
            "佐藤",
            "花",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        open_case(self.soudan, restricted, title="佐藤 花さんの支援")
        self.assertIn("佐藤 花さんの支援", self.page(self.soudan, restricted))
        page = self.page(self.douryou, restricted)
        self.assertNotIn("佐藤 花さんの支援", page)
        self.assertNotIn(">ケース</h2>", page)
        self.assertFalse(
            AuditEvent.objects.filter(
                actor=self.douryou, action=AuditEvent.Action.READ, object_type="cases.case"
            ).exists()
        )


class CaseListFilteredToThePerson(HubTestCase):
    def test_the_case_list_shows_the_persons_cases_only(self) -> None:
        self.case(3)
        other = make_person(self.window, "鈴木", "一郎")
        open_case(self.soudan, other, title="鈴木さんの支援")
        self.login(self.soudan)
        page = self.client.get(f"/cases/?scope=organisation&person={self.person.pk}")
        self.assertContains(page, "ケース3日前")
        self.assertNotContains(page, "鈴木さんの支援")

    def test_a_bad_person_number_is_shown_and_not_applied(self) -> None:
        self.case(3)
        self.login(self.soudan)
        for value in ("abc", "0", "99999999999999999999"):
            with self.subTest(value=value):
                page = self.client.get(f"/cases/?scope=organisation&person={value}")
                self.assertEqual(page.status_code, 200)
                self.assertContains(page, "ケース3日前")
                self.assertContains(page, "この条件は使わずに表示しています")


class TheHeaderBeyondTheHubsRows(HubTestCase):
    """The header's facts read the hub's newest rows; what lies beyond them is still counted."""

    def header(self) -> RecordPage:
        return read_record_page(self.page())

    def expired_consent(self, days: int) -> Consent:
        consent = self.consent(days)
        Consent.objects.filter(pk=consent.pk).update(expires_on=days_ago(1))
        return consent

    def test_an_older_valid_consent_beyond_the_rows_shown_still_counts(self) -> None:
        valid = self.consent(400)
        Consent.objects.filter(pk=valid.pk).update(expires_on=days_ago(-30))
        for days in range(1, HUB_ROWS + 1):
            self.expired_consent(days + 10)
        header = self.header()
        self.assertEqual(header.facts["同意"], "有効な同意あり 同意の記録へ")
        self.assertEqual(header.badges, ["同意: 有効な同意あり"])

    def test_only_expired_consents_read_expired_whatever_their_number(self) -> None:
        for days in range(1, HUB_ROWS + 3):
            self.expired_consent(days + 10)
        self.assertEqual(self.header().facts["同意"], "期限切れ 同意の記録へ")

    def test_the_cases_the_hub_does_not_show_are_counted_in_the_header(self) -> None:
        for days in range(1, HUB_ROWS + 3):
            self.case(days)  # each closes the one before: the open one is the oldest
        Case.objects.filter(person=self.person).update(stage=Stage.CLOSED)
        self.case(0)
        link = f"/cases/?scope=organisation&amp;person={self.person.pk}"
        self.assertEqual(
            self.header().facts["支援中のケース"],
            "ケース0日前（受付・主担当 相談 花子） ほかに3件のケース（ケースの一覧）",
        )
        self.assertIn(f'ほかに3件のケース（<a href="{link}">ケースの一覧</a>）', self.page())

    def test_an_old_open_case_beyond_the_rows_is_not_hidden_as_none(self) -> None:
        old = open_case(self.soudan, self.person, title="長く続くケース", opened_days_ago=400)
        for days in range(1, HUB_ROWS + 1):
            Case.objects.create(
                organisation=self.window,
                person=self.person,
                title=f"終結したケース{days}",
                lead_worker=self.soudan,
                opened_on=days_ago(days + 10),
                stage=Stage.CLOSED,
                closed_on=days_ago(days),
            )
        facts = self.header().facts["支援中のケース"]
        self.assertEqual(facts, "ほかに1件のケース（ケースの一覧）")
        self.assertNotIn(old.title, facts)
