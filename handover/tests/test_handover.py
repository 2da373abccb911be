"""The hand-over: deactivation waits for it; one step or row by row, audited; the case list's
change of lead for selected cases."""

from datetime import timedelta

from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case, TeamChange
from cases.tests.helpers import days_ago, make_agency, open_case
from collaboration.models import ActionItem, Meeting, Referral
from collaboration.referrals.services import referral_create
from handover.services import (
    OPEN_WORK_REMAINS,
    RECIPIENT_OTHER_ORGANISATION,
    RECIPIENT_WITHOUT_RIGHT,
    Kind,
    handover_all,
    remaining_work,
)
from supporters.models import Dispatch
from supporters.tests.helpers import dispatch, register
from tsunagu.test import BaseTestCase


class OpenWork(BaseTestCase):
    """相談 花子 leads a case and holds a meeting action, a dispatch and a pending referral."""

    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        meeting = Meeting.objects.create(
            organisation=self.window,
            kind=Meeting.Kind.SUPPORT_MEETING,
            title="支援会議",
            held_at=timezone.now() - timedelta(days=2),
            minutes="",
            created_by=self.soudan,
        )
        self.action = ActionItem.objects.create(
            meeting=meeting,
            case=self.case,
            title="家族会を案内する",
            owner=self.soudan,
            due_on=timezone.localdate() + timedelta(days=7),
            created_by=self.soudan,
        )
        supporter = register(self.soudan)
        self.dispatch = dispatch(self.soudan, supporter, self.case)
        self.referral = referral_create(
            organisation_id=self.window.pk,
            person_id=self.case.person_id or 0,
            agency_id=make_agency(self.soudan).pk,
            purpose="家計の相談",
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )

    def fresh(self, user: User) -> User:
        return User.objects.prefetch_related("staff_roles").get(pk=user.pk)


class DeactivationTests(OpenWork):
    def test_deactivating_a_worker_with_open_work_is_refused_listing_what_remains(self) -> None:
        self.login(self.admin)
        response = self.client.post(f"/staff/{self.soudan.pk}/deactivate/", follow=True)
        summary = (
            "主担当のケース 1件、会議のアクション項目 1件、サポーター派遣の予定 1件、"
            "進行中のつなぎ 1件"
        )
        self.assertContains(response, OPEN_WORK_REMAINS.format(staff=self.soudan, summary=summary))
        self.assertContains(response, f'href="/staff/{self.soudan.pk}/handover/"')
        self.assertTrue(self.fresh(self.soudan).is_active)

    def test_one_kind_left_still_refuses(self) -> None:
        self.login(self.admin)
        # The action done, the dispatch held, the referral connected: the case is left.
        ActionItem.objects.filter(pk=self.action.pk).update(done_on=timezone.localdate())
        Dispatch.objects.filter(pk=self.dispatch.pk).update(state=Dispatch.State.DONE)
        Referral.objects.filter(pk=self.referral.pk).update(state=Referral.State.CONNECTED)
        self.assertEqual(remaining_work(self.soudan).counts[Kind.CASE], 1)
        response = self.client.post(f"/staff/{self.soudan.pk}/deactivate/", follow=True)
        self.assertContains(response, "（主担当のケース 1件）")
        self.assertTrue(self.fresh(self.soudan).is_active)

    def test_after_the_hand_over_the_worker_is_deactivated(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/handover/all/",
            {"to": self.douryou.pk, "reason": "leaving"},
        )
        self.assertRedirects(response, f"/staff/{self.soudan.pk}/handover/")
        response = self.client.post(f"/staff/{self.soudan.pk}/deactivate/", follow=True)
        self.assertContains(response, "利用を停止しました")
        self.assertFalse(self.fresh(self.soudan).is_active)


class HandoverAllTests(OpenWork):
    def test_everything_goes_to_one_colleague_in_one_step(self) -> None:
        self.login(self.admin)
        self.client.post(
            f"/staff/{self.soudan.pk}/handover/all/",
            {"to": self.douryou.pk, "reason": "transfer"},
        )
        self.assertEqual(Case.objects.get(pk=self.case.pk).lead_worker_id, self.douryou.pk)
        self.assertEqual(ActionItem.objects.get(pk=self.action.pk).owner_id, self.douryou.pk)
        self.assertEqual(Dispatch.objects.get(pk=self.dispatch.pk).worker_id, self.douryou.pk)
        referral = Referral.objects.get(pk=self.referral.pk)
        self.assertEqual((referral.referred_by_id, referral.version), (self.douryou.pk, 2))
        self.assertEqual(remaining_work(self.soudan).total, 0)

    def test_the_case_history_shows_the_hand_over(self) -> None:
        self.login(self.admin)
        self.client.post(
            f"/staff/{self.soudan.pk}/handover/all/",
            {"to": self.douryou.pk, "reason": "leaving"},
        )
        change = TeamChange.objects.get(case=self.case, kind=TeamChange.Kind.LEAD)
        self.assertEqual(
            (change.member_id, change.previous_lead_id, change.by_id),
            (self.douryou.pk, self.soudan.pk, self.admin.pk),
        )
        self.assertEqual(change.reason, "引き継ぎ（退職）: 相談 花子 さんから")

    def test_each_move_is_audited_with_ids_and_the_reason_code_only(self) -> None:
        self.login(self.admin)
        self.client.post(
            f"/staff/{self.soudan.pk}/handover/all/",
            {"to": self.douryou.pk, "reason": "leave"},
        )
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, actor=self.admin)
        moved = {(row.object_type, row.object_id) for row in rows}
        self.assertLessEqual(
            {
                ("cases.case", str(self.case.pk)),
                ("collaboration.actionitem", str(self.action.pk)),
                ("supporters.dispatch", str(self.dispatch.pk)),
                ("collaboration.referral", str(self.referral.pk)),
            },
            moved,
        )
        handover = {"from": self.soudan.pk, "to": self.douryou.pk, "reason": "leave"}
        details = [row.detail for row in rows if row.object_type != "cases.case"]
        self.assertTrue(all(detail["handover"] == handover for detail in details))
        self.assertNotIn("家族会", "".join(row.canonical() for row in rows))

    def test_a_recipient_who_may_not_write_records_is_refused_and_nothing_moves(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/handover/all/",
            {"to": self.toukei.pk, "reason": "leaving"},
        )
        # Not even offered: the form refuses the choice before the service is asked.
        self.assertContains(response, "引き継ぐ相手は一覧にあるものから選んでください。")
        with self.assertRaisesMessage(Exception, RECIPIENT_WITHOUT_RIGHT):
            handover_all(staff=self.soudan, to=self.toukei, reason="leaving", by=self.admin)
        with self.assertRaisesMessage(Exception, RECIPIENT_OTHER_ORGANISATION):
            handover_all(staff=self.soudan, to=self.minato, reason="leaving", by=self.admin)
        self.assertEqual(remaining_work(self.soudan).total, 4)

    def test_a_closed_case_is_not_open_work_and_stays_as_it_was(self) -> None:
        second = open_case(self.soudan, title="二つ目")
        Case.objects.filter(pk=second.pk).update(stage="closed")
        handover_all(staff=self.soudan, to=self.douryou, reason="leaving", by=self.admin)
        self.assertEqual(Case.objects.get(pk=second.pk).lead_worker_id, self.soudan.pk)
        self.assertEqual(remaining_work(self.soudan).total, 0)


class HandoverPageTests(OpenWork):
    def test_it_lists_counts_and_rows_without_names(self) -> None:
        self.login(self.admin)
        response = self.client.get(f"/staff/{self.soudan.pk}/handover/")
        self.assertContains(response, "主担当のケース（1件）")
        self.assertContains(response, "会議のアクション項目（1件）")
        self.assertContains(response, "サポーター派遣の予定（1件）")
        self.assertContains(response, "進行中のつなぎ（1件）")
        self.assertNotContains(response, "高橋")
        self.assertNotContains(response, "家族会")

    def test_the_page_read_is_audited_naming_the_ids_shown(self) -> None:
        self.login(self.admin)
        self.client.get(f"/staff/{self.soudan.pk}/handover/")
        row = self.audit_rows(action=AuditEvent.Action.READ, object_type="accounts.user")[-1]
        self.assertEqual(row.detail["cases.case"], [self.case.pk])
        self.assertEqual(row.detail["supporters.dispatch"], [self.dispatch.pk])

    def test_one_row_at_a_time(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/handover/item/",
            {
                "kind": "dispatch",
                "item": self.dispatch.pk,
                "to": self.douryou.pk,
                "reason": "workload",
            },
            follow=True,
        )
        self.assertContains(
            response, f"サポーター派遣の予定 #{self.dispatch.pk} を 同僚 一郎 さんに"
        )
        self.assertEqual(Dispatch.objects.get(pk=self.dispatch.pk).worker_id, self.douryou.pk)
        self.assertEqual(remaining_work(self.soudan).total, 3)

    def test_an_item_no_longer_held_is_refused(self) -> None:
        self.login(self.admin)
        ActionItem.objects.filter(pk=self.action.pk).update(owner=self.douryou)
        response = self.client.post(
            f"/staff/{self.soudan.pk}/handover/item/",
            {
                "kind": "action_item",
                "item": self.action.pk,
                "to": self.douryou.pk,
                "reason": "leaving",
            },
            follow=True,
        )
        self.assertContains(response, "この項目はもう 相談 花子 さんの担当ではありません")

    def test_another_offices_staff_is_404(self) -> None:
        self.login(self.admin)
        self.assertEqual(self.client.get(f"/staff/{self.minato.pk}/handover/").status_code, 404)

    def test_a_worker_gets_403(self) -> None:
        self.login(self.douryou)
        self.assertEqual(self.client.get(f"/staff/{self.soudan.pk}/handover/").status_code, 403)

    def test_the_page_takes_a_fixed_number_of_queries(self) -> None:
        self.login(self.admin)
        self.client.get(f"/staff/{self.soudan.pk}/handover/")  # warm the session
        one_case = self.queries_of_the_page()
        for _ in range(3):
            open_case(self.soudan, title="もう一つ")
        # The same number with four cases as with one: no query per row.
        with self.assertNumQueries(one_case):
            self.client.get(f"/staff/{self.soudan.pk}/handover/")

    def queries_of_the_page(self) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as first:
            self.client.get(f"/staff/{self.soudan.pk}/handover/")
        return len(first.captured_queries)


class CaseListLeadTests(OpenWork):
    def test_selected_cases_change_lead_together_each_in_its_history(self) -> None:
        second = open_case(self.soudan, title="二つ目")
        self.login(self.soudan)
        response = self.client.post(
            "/cases/lead/",
            {"cases": [self.case.pk, second.pk], "new_lead": self.douryou.pk, "reason": "担当替え"},
            follow=True,
        )
        self.assertContains(response, "2 件のケースの主担当を 同僚 一郎 さんに変えました。")
        for case in (self.case, second):
            self.assertEqual(Case.objects.get(pk=case.pk).lead_worker_id, self.douryou.pk)
            change = TeamChange.objects.get(case=case, kind=TeamChange.Kind.LEAD)
            self.assertEqual(change.reason, "担当替え")

    def test_one_refused_case_changes_none(self) -> None:
        closed = open_case(self.soudan, title="終結")
        Case.objects.filter(pk=closed.pk).update(stage="closed")
        self.login(self.soudan)
        response = self.client.post(
            "/cases/lead/",
            {"cases": [self.case.pk, closed.pk], "new_lead": self.douryou.pk, "reason": "x"},
            follow=True,
        )
        self.assertContains(response, "どのケースも変えていません。")
        self.assertEqual(Case.objects.get(pk=self.case.pk).lead_worker_id, self.soudan.pk)

    def test_another_offices_case_cannot_be_selected(self) -> None:
        theirs = open_case(self.minato)
        self.login(self.soudan)
        response = self.client.post(
            "/cases/lead/",
            {"cases": [theirs.pk], "new_lead": self.douryou.pk, "reason": "x"},
            follow=True,
        )
        self.assertContains(response, "ケースは一覧にあるものから選んでください。")
        self.assertEqual(Case.objects.get(pk=theirs.pk).lead_worker_id, self.minato.pk)

    def test_a_reason_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/cases/lead/", {"cases": [self.case.pk], "new_lead": self.douryou.pk}, follow=True
        )
        self.assertContains(response, "理由を入力してください。")

    def test_the_case_list_offers_the_checkboxes_and_the_button(self) -> None:
        self.login(self.soudan)
        response = self.client.get("/cases/")
        self.assertContains(response, f'name="cases" value="{self.case.pk}" form="lead-bulk"')
        self.assertContains(response, "主担当を変える")
