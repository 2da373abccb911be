"""The meeting's own record: minutes (非公開), decisions (プラン承認 stamps the plan), action items
on the owner's watch list."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import SupportPlan
from cases.services import plan_save
from cases.tests.helpers import days_ago
from collaboration.meetings.services import (
    DUE_IN_PAST,
    OWNER_NOT_MEMBER,
    PLAN_APPROVAL_KIND,
    action_add,
    decision_add,
    member_acknowledge,
)
from collaboration.models import ActionItem, Decision, Meeting
from collaboration.tests.test_meetings import MeetingTestCase

K = Meeting.Kind


class MinutesTests(MeetingTestCase):
    def setUp(self) -> None:
        self.meeting = self.convene(K.SUPPORT_MEETING)
        self.member(self.meeting, self.houkatsu)
        self.url = f"/meetings/{self.meeting.pk}/minutes/"

    def save(self, text: str, version: int) -> object:
        return self.client.post(self.url, {"minutes": text, "version": version})

    def test_a_participant_writes_and_reads_the_minutes(self) -> None:
        self.login(self.chousei)
        self.assertEqual(self.client.get(self.url).status_code, 200)
        response = self.save("本人の状況を共有した。次回は6月。", 1)
        self.assertRedirects(response, self.url)
        self.meeting.refresh_from_db()
        self.assertEqual(
            (self.meeting.minutes, self.meeting.version), ("本人の状況を共有した。次回は6月。", 2)
        )
        self.assertContains(self.client.get(self.url), "本人の状況を共有した。")
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="collaboration.meeting"
        )
        self.assertEqual(row.detail["fields"], ["minutes"])

    def test_a_non_participant_even_of_the_convening_office_gets_404(self) -> None:
        for user in (self.soudan, self.douryou, self.minato, self.centre):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, self.url), 404)
        denied = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual([row.detail["reason"] for row in denied][:2], ["not_a_participant"] * 2)

    def test_read_only_roles_get_403(self) -> None:
        for user in (self.toukei, self.kansa):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, self.url), 403)

    def test_a_partner_member_reads_the_minutes_only_after_the_confidentiality_step(self) -> None:
        self.login(self.houkatsu)
        response = self.client.get(self.url)
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        self.client.post(f"/meetings/{self.meeting.pk}/acknowledge/")
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_a_stale_save_is_refused_and_both_versions_are_shown(self) -> None:
        self.login(self.chousei)
        self.save("調整の記録", 1)
        response = self.save("別の記録", 1)
        self.assertContains(response, "ほかの参加者が先に議事録を保存しました。")
        self.assertContains(response, "調整の記録")
        self.assertContains(response, "別の記録")
        self.meeting.refresh_from_db()
        self.assertEqual(self.meeting.minutes, "調整の記録")


class DecisionTests(MeetingTestCase):
    def setUp(self) -> None:
        self.meeting = self.convene(K.COORDINATION, held_days_ago=2)
        self.case = self.a_case()
        self.on_agenda(self.meeting, self.case)
        plan_save(
            case=self.case,
            data={"long_term_goal": "外出", "short_term_goals": "面談", "review_on": days_ago(-90)},
            actions=[],
            based_on=0,
            by=self.soudan,
        )

    def test_approving_the_plan_at_a_coordination_meeting_stamps_the_plan(self) -> None:
        self.login(self.chousei)
        response = self.client.post(
            f"/meetings/{self.meeting.pk}/decisions/new/",
            {
                "kind": Decision.Kind.PLAN_APPROVAL,
                "case": self.case.pk,
                "text": "プランを承認する。",
            },
        )
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        plan = SupportPlan.objects.get(case=self.case)
        self.assertEqual(plan.approved_on, days_ago(2))
        self.assertEqual(plan.approval_meeting, "支援調整会議「4月の会議」")
        decision = Decision.objects.get()
        self.assertEqual((decision.plan, decision.case), (plan, self.case))
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="cases.supportplan")
        self.assertEqual(row.detail["fields"], ["approval_meeting", "approved_on"])
        self.assertContains(self.client.get(f"/meetings/{self.meeting.pk}/"), "プランを承認する。")

    def test_plans_are_approved_only_at_a_coordination_meeting(self) -> None:
        meeting = self.convene(K.SUPPORT_MEETING)
        self.on_agenda(meeting, self.case)
        with self.assertRaisesMessage(ValidationError, PLAN_APPROVAL_KIND):
            decision_add(
                meeting=meeting,
                kind=Decision.Kind.PLAN_APPROVAL,
                text="承認",
                case=self.case,
                by=self.chousei,
            )
        self.assertIsNone(SupportPlan.objects.get(case=self.case).approved_on)

    def test_the_other_kinds_of_decision_are_recorded(self) -> None:
        for kind in (
            Decision.Kind.SUPPORT_DECISION,
            Decision.Kind.ROLE_SHARING,
            Decision.Kind.CLOSURE,
        ):
            decision_add(
                meeting=self.meeting, kind=kind, text="決定", case=self.case, by=self.chousei
            )
        self.assertEqual(self.meeting.decisions.count(), 3)
        self.assertIsNone(SupportPlan.objects.get(case=self.case).approved_on)

    def test_same_office_staff_who_are_not_participants_may_not_record(self) -> None:
        self.assertEqual(
            self.status(self.soudan, f"/meetings/{self.meeting.pk}/decisions/new/"), 403
        )
        self.assertEqual(
            self.status(self.minato, f"/meetings/{self.meeting.pk}/decisions/new/"), 404
        )


class ActionItemTests(MeetingTestCase):
    def setUp(self) -> None:
        self.meeting = self.convene(K.SUPPORT_MEETING)
        self.member(self.meeting, self.houkatsu)
        member_acknowledge(member=self.meeting.members.get(user=self.houkatsu), by=self.houkatsu)

    def test_an_action_item_goes_to_a_member_and_appears_on_their_watch_list(self) -> None:
        self.login(self.chousei)
        response = self.client.post(
            f"/meetings/{self.meeting.pk}/actions/new/",
            {
                "title": "母親の介護保険の申請を案内する",
                "owner": self.houkatsu.pk,
                "due_on": days_ago(-7).isoformat(),
                "case": "",
            },
        )
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        action = ActionItem.objects.get()
        self.login(self.houkatsu)
        watch = self.client.get("/watch/")
        self.assertEqual(watch.context["watch"].open_action_items, [action])
        self.assertContains(watch, "母親の介護保険の申請を案内する")
        self.login(self.chousei)
        self.assertNotContains(self.client.get("/watch/"), "母親の介護保険の申請を案内する")

    def test_the_organisation_view_shows_colleagues_items_of_visible_meetings(self) -> None:
        action_add(
            meeting=self.meeting,
            title="家族会を案内する",
            owner=self.chousei,
            due_on=days_ago(-5),
            by=self.chousei,
        )
        self.login(self.soudan)
        self.assertNotContains(self.client.get("/watch/"), "家族会を案内する")
        self.assertContains(self.client.get("/watch/?scope=organisation"), "家族会を案内する")
        self.login(self.minato)
        self.assertNotContains(self.client.get("/watch/?scope=organisation"), "家族会を案内する")

    def test_marking_it_done_takes_it_off_the_watch_list(self) -> None:
        action = action_add(
            meeting=self.meeting,
            title="訪問する",
            owner=self.houkatsu,
            due_on=days_ago(-1),
            by=self.chousei,
        )
        ActionItem.objects.filter(pk=action.pk).update(due_on=days_ago(3))
        self.login(self.houkatsu)
        self.assertContains(self.client.get("/watch/"), "期限切れ")
        response = self.client.post(
            f"/meetings/{self.meeting.pk}/actions/{action.pk}/done/", {"next": "watch"}
        )
        self.assertRedirects(response, "/watch/")
        action.refresh_from_db()
        self.assertEqual(action.done_on, timezone.localdate())
        self.assertEqual(self.client.get("/watch/").context["watch"].open_action_items, [])

    def test_the_owner_must_be_a_member_and_the_due_date_not_past(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            action_add(
                meeting=self.meeting,
                title="連絡する",
                owner=self.soudan,
                due_on=timezone.localdate() - timedelta(days=1),
                by=self.chousei,
            )
        self.assertEqual(
            refused.exception.message_dict, {"owner": [OWNER_NOT_MEMBER], "due_on": [DUE_IN_PAST]}
        )
        self.assertFalse(ActionItem.objects.exists())

    def test_someone_neither_owner_nor_participant_may_not_mark_it_done(self) -> None:
        action = action_add(
            meeting=self.meeting,
            title="訪問する",
            owner=self.houkatsu,
            due_on=days_ago(-1),
            by=self.chousei,
        )
        self.login(self.soudan)
        response = self.client.post(f"/meetings/{self.meeting.pk}/actions/{action.pk}/done/")
        self.assertEqual(response.status_code, 403)
        action.refresh_from_db()
        self.assertIsNone(action.done_on)


class DetailPageQueryTests(MeetingTestCase):
    def queries_for_detail(self, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            self.client.get(url)
        return len(captured.captured_queries)

    def test_the_detail_page_does_not_grow_with_the_agenda_of_a_support_meeting(self) -> None:
        meeting = self.convene(K.SUPPORT_MEETING)
        self.member(meeting, self.houkatsu)
        member_acknowledge(member=meeting.members.get(user=self.houkatsu), by=self.houkatsu)
        self.login(self.houkatsu)
        url = f"/meetings/{meeting.pk}/"
        self.client.get(url)  # warm the session
        counts = []
        for _ in range(2):
            for _ in range(3):
                self.on_agenda(meeting, self.a_case())
            counts.append(self.queries_for_detail(url))
        self.assertEqual(counts[0], counts[1])
