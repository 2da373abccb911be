"""A case's timeline (/cases/<id>/timeline/): activities, consultations, stage changes, referral
events and meetings merged newest first in SQL, filtered by kind, paged, at a fixed cost, with
the case page's access and an audit row naming the entries shown."""

from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Organisation
from audit.models import AuditEvent
from cases.models import Activity, Case, StageChange
from cases.services import activity_correct
from cases.tests.helpers import days_ago, make_agency, open_case
from collaboration.models import AgendaItem, Meeting, MeetingMember, ReferralEvent
from collaboration.referrals.services import referral_create
from consultations.models import Consultation
from tsunagu.test import BaseTestCase, audit_lock_queries


def ago(days: int, minutes: int = 0) -> datetime:
    return timezone.now() - timedelta(days=days, minutes=minutes)


class TimelineTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        # Opening the case recorded its first stage; the tests place their own entries.
        StageChange.objects.filter(case=self.case).update(at=ago(400))
        self.url = f"/cases/{self.case.pk}/timeline/"

    def page(self, query: str = "") -> str:
        self.login(self.soudan)
        response = self.client.get(self.url + query)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    # ---- entries of each kind, `days` ago ----

    def activity(self, days: int, minutes: int = 0) -> Activity:
        return Activity.objects.create(
            case=self.case,
            occurred_at=ago(days, minutes),
            kind=Activity.Kind.HOME_VISIT,
            content=f"訪問の記録{days}-{minutes}",
            recorded_by=self.soudan,
        )

    def consultation(self, days: int, organisation: Organisation | None = None) -> Consultation:
        assert self.case.person is not None
        return Consultation.objects.create(
            organisation=organisation or self.window,
            received_at=ago(days),
            channel="phone",
            consulter_type="family",
            consulter_relationship="mother",
            person=self.case.person,
            main_concern="hikikomori",
            categories=["hikikomori"],
            content=f"母親からの電話{days}",
            disposition="continue",
            case=self.case,
            taken_by=self.soudan,
        )

    def stage_change(self, days: int) -> StageChange:
        return StageChange.objects.create(
            case=self.case,
            from_stage="intake",
            to_stage="assessment",
            note=f"段階のメモ{days}",
            at=ago(days),
            by=self.soudan,
        )

    def referral_event(self, days: int) -> ReferralEvent:
        assert self.case.person_id is not None
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.case.person_id,
            agency_id=make_agency(self.soudan, name=f"つなぎ先{days}").pk,
            purpose="介護の相談",
            follow_up_on=days_ago(-7),
            case=self.case,
            by=self.soudan,
        )
        event = referral.events.get()
        ReferralEvent.objects.filter(pk=event.pk).update(at=ago(days))
        return event

    def meeting(self, days: int, organisation: Organisation | None = None) -> Meeting:
        meeting = Meeting.objects.create(
            organisation=organisation or self.window,
            kind=Meeting.Kind.CASE_CONFERENCE,
            title=f"会議{days}",
            held_at=ago(days),
            place="会議室",
            created_by=self.soudan,
        )
        AgendaItem.objects.create(meeting=meeting, case=self.case, added_by=self.soudan)
        return meeting

    def one_of_each(self) -> None:
        self.activity(5)
        self.consultation(4)
        self.stage_change(3)
        self.referral_event(2)
        self.meeting(1)


class WhatTheTimelineShows(TimelineTestCase):
    def test_every_kind_is_merged_newest_first(self) -> None:
        self.one_of_each()
        page = self.page()
        order = ["会議1", "つなぎ先2", "段階のメモ3", "母親からの電話4", "訪問の記録5-0"]
        positions = [page.index(text) for text in order]
        self.assertEqual(positions, sorted(positions))
        self.assertIn("全6件中 1〜6件", page)  # with the stage the case opened in

    def test_a_corrected_activity_says_so_and_links_to_its_history(self) -> None:
        activity = activity_correct(
            activity=self.activity(5),
            data={"content": "訪問の記録（訂正後）", "visit_outcome": "nobody"},
            version=1,
            reason="内容を書き間違えた",
            by=self.soudan,
        )
        page = self.page()
        self.assertIn("訪問の記録（訂正後）", page)
        self.assertIn(f"/cases/{self.case.pk}/activities/{activity.pk}/versions/", page)
        self.assertIn("訂正あり（訂正の履歴）", page)

    def test_each_entry_links_to_its_record(self) -> None:
        consultation = self.consultation(4)
        event = self.referral_event(2)
        meeting = self.meeting(1)
        page = self.page()
        self.assertIn(f'href="/consultations/{consultation.pk}/"', page)
        self.assertIn(f'href="/referrals/{event.referral_id}/"', page)
        self.assertIn(f'href="/meetings/{meeting.pk}/"', page)
        self.assertIn("ケース会議「会議1」", page)
        self.assertIn("電話・家族（母）", page)

    def test_the_case_page_links_to_the_timeline(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(response, f'href="{self.url}"')

    def test_the_checkboxes_filter_by_kind(self) -> None:
        self.one_of_each()
        page = self.page("?kind=activity&kind=meeting")
        self.assertIn("訪問の記録5-0", page)
        self.assertIn("会議1", page)
        for absent in ("つなぎ先2", "段階のメモ3", "母親からの電話4"):
            self.assertNotIn(absent, page)
        self.assertIn('value="activity" id="kind-activity" checked', page)
        self.assertIn('value="stage" id="kind-stage">', page)
        self.assertIn("全2件中", page)

    def test_unknown_kinds_fall_back_to_every_kind(self) -> None:
        self.one_of_each()
        for query in ("?kind=nonsense", "?kind=", "?kind=activity%27--"):
            with self.subTest(query=query):
                self.assertIn("全6件中", self.page(query))

    def test_a_kind_with_no_entries_says_so(self) -> None:
        self.assertIn("選んだ種類の記録はありません。", self.page("?kind=meeting"))

    def test_entries_are_paged_fifty_at_a_time_and_the_filter_is_kept(self) -> None:
        for minute in range(59):
            self.activity(10, minute)
        page = self.page()
        self.assertIn("全60件中 1〜50件", page)
        self.assertIn("訪問の記録10-0", page)
        self.assertNotIn("訪問の記録10-50<", page)
        second = self.page("?page=2")
        self.assertIn("全60件中 51〜60件", second)
        self.assertIn("訪問の記録10-58", second)
        filtered = self.page("?kind=activity")
        self.assertIn('href="?kind=activity&amp;page=2"', filtered)

    def test_bad_page_numbers_fall_back_and_a_page_past_the_end_says_so(self) -> None:
        self.one_of_each()
        for value in ("abc", "-1", "0", "99999999999999"):
            with self.subTest(page=value):
                self.assertIn("全6件中 1〜6件", self.page(f"?page={value}"))
        self.assertIn("このページには記録がありません", self.page("?page=3"))

    def test_the_cost_is_the_same_for_ten_and_sixty_entries(self) -> None:
        self.login(self.soudan)
        self.client.get(self.url)  # warm the session

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(captured.captured_queries)

        def fill(count: int, first: int) -> None:
            for days in range(first, first + count, 5):
                self.activity(days)
                self.consultation(days + 1)
                self.stage_change(days + 2)
                self.referral_event(days + 3)
                self.meeting(days + 4)

        fill(10, 1)  # with the stage the case opened in: 11 entries
        ten = queries()
        fill(50, 11)
        sixty = queries()
        self.assertEqual(ten, sixty)
        # session, user, roles (3); the case, its team, its person's team (3); its audit row
        # (4); the page (UNION) and its COUNT (2); the records: activities and their
        # participants, consultations, stage changes, referral events, meetings (6); the audit
        # row of the entries (4); session save (3)
        self.assertEqual(ten, 25 + 2 * audit_lock_queries())

    def test_the_entries_shown_are_audited_by_kind(self) -> None:
        self.activity(5)
        consultation = self.consultation(4)
        meeting = self.meeting(1)
        self.page("?kind=activity&kind=consultation&kind=meeting")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.activity")
        self.assertEqual(len(row.detail["ids"]), 1)
        self.assertEqual(row.detail["consultations.consultation"], [consultation.pk])
        self.assertEqual(row.detail["collaboration.meeting"], [meeting.pk])
        self.assertEqual(row.detail["cases.stagechange"], [])


class WhoSeesTheTimeline(TimelineTestCase):
    def test_a_colleague_of_the_office_sees_it(self) -> None:
        self.activity(5)
        self.login(self.douryou)
        self.assertContains(self.client.get(self.url), "訪問の記録5-0")

    def test_other_organisations_get_404(self) -> None:
        self.activity(5)
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url).status_code, 404)

    def test_read_only_roles_get_403(self) -> None:
        for user in (self.kansa, self.toukei, self.admin):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_a_missing_case_is_404(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get("/cases/999999/timeline/").status_code, 404)

    def test_a_meeting_of_another_office_shows_only_to_its_members(self) -> None:
        assert self.houkatsu.organisation is not None
        meeting = self.meeting(1, self.houkatsu.organisation)
        self.assertNotIn("会議1", self.page())
        MeetingMember.objects.create(meeting=meeting, user=self.soudan)
        self.assertIn("会議1", self.page())

    def test_another_offices_consultation_is_not_shown(self) -> None:
        self.consultation(4, self.minato_window)
        self.assertNotIn("母親からの電話4", self.page())


class RestrictedPerson(TimelineTestCase):
    def test_the_heading_hides_a_restricted_persons_case_title(self) -> None:
        assert self.case.person is not None
        self.case.person.is_restricted = True
        self.case.person.restriction_reason = "dv"
        self.case.person.save()
        Case.objects.filter(pk=self.case.pk).update(title="高橋 健太さんの支援")
        self.login(self.douryou)
        response = self.client.get(self.url)
        self.assertContains(response, f"ケース #{self.case.pk}（制限対象者）")
        self.assertNotContains(response, "高橋 健太さんの支援")
