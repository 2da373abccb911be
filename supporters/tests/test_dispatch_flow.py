from datetime import timedelta
from typing import Any

from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Stage
from cases.tests.helpers import open_case
from supporters.models import Dispatch, DispatchReport
from supporters.services import (
    CASE_CLOSED,
    CASE_REQUIRED,
    DISPATCH_IN_PAST,
    REPORT_ON_CANCELLED,
    REPORT_TOO_EARLY,
    REPORT_TWICE,
    SUPPORTER_INACTIVE,
    report_file,
)
from supporters.tests.helpers import dispatch, in_days, local_minute, moved_to_past, register
from tsunagu.test import BaseTestCase


class DispatchFlowTests(BaseTestCase):
    def setUp(self) -> None:
        self.supporter_user = self.world.staff["supporter"]
        self.supporter = register(self.soudan, user=self.supporter_user)
        self.case = open_case(self.soudan)

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "supporter": str(self.supporter.pk),
            "kind": "home_visit",
            "case": str(self.case.pk),
            "session": "",
            "starts_at": local_minute(in_days(2)),
            "ends_at": "",
            "meeting_point": "つなぐ駅 北口の改札",
            "display_name": "けんたさん",
            "briefing": "玄関先まで。猫の話が好き。",
            "worker": str(self.soudan.pk),
            "contact_phone": "090-1234-5678",
        }
        data.update(overrides)
        return data

    def test_the_whole_flow_from_dispatch_to_the_report_on_the_case(self) -> None:
        self.login(self.soudan)
        form = self.client.get(f"/dispatches/new/?case={self.case.pk}").context["form"]
        self.assertEqual(form.initial["case"], str(self.case.pk))
        self.assertEqual(form.initial["kind"], "home_visit")
        response = self.client.post("/dispatches/new/", self.form_data())
        created = Dispatch.objects.get()
        self.assertRedirects(response, f"/dispatches/{created.pk}/")
        self.assertEqual((created.organisation, created.state), (self.window, "planned"))

        # The supporter sees only the nickname, the meeting point, the time and the worker.
        self.login(self.supporter_user)
        listing = self.client.get("/my/dispatches/")
        self.assertContains(listing, "けんたさん")
        self.assertContains(listing, "つなぐ駅 北口の改札")
        self.assertContains(listing, "相談 花子（090-1234-5678）")
        detail = self.client.get(f"/my/dispatches/{created.pk}/")
        for page in (listing, detail):
            self.assertNotContains(page, "高橋")  # neither the case title nor the family name
            self.assertNotContains(page, f"/cases/{self.case.pk}/")
        self.assertContains(detail, "派遣が終わったら、ここから報告を提出してください。")

        moved_to_past(created)
        report = {
            "what_happened": "玄関先で5分ほど話せた。",
            "minutes_spent": "45",
            "concerns": "眠れていないと言っていた。",
        }
        response = self.client.post(f"/my/dispatches/{created.pk}/report/", report)
        self.assertRedirects(response, "/my/dispatches/")
        self.assertEqual(Dispatch.objects.get(pk=created.pk).state, "done")
        self.assertEqual(DispatchReport.objects.get().minutes_spent, 45)
        row = self.audit_rows(
            action=AuditEvent.Action.CREATE, object_type="supporters.dispatchreport"
        )
        self.assertEqual(row[0].actor, self.supporter_user)
        self.assertNotIn("眠れて", str(row[0].detail))

        self.login(self.douryou)
        page = self.client.get(f"/dispatches/{created.pk}/")
        self.assertContains(page, "玄関先で5分ほど話せた。")
        self.assertContains(page, "45分")
        self.assertContains(page, "気がかりなことの報告があります")
        self.assertContains(page, "眠れていないと言っていた。")

    def test_the_case_page_include_links_to_the_report(self) -> None:
        from django.template import Context, Template
        from django.test import RequestFactory

        item = moved_to_past(dispatch(self.soudan, self.supporter, self.case))
        DispatchReport.objects.create(
            dispatch=item, what_happened="話せた", minutes_spent=30, filed_by=self.supporter_user
        )
        request = RequestFactory().get(f"/cases/{self.case.pk}/")
        request.user = self.soudan
        html = Template("{% load supporter_links %}{% case_dispatches case %}").render(
            Context({"case": self.case, "user": self.soudan, "request": request})
        )
        self.assertIn(f'href="/dispatches/{item.pk}/#report"', html)
        self.assertIn("報告を読む", html)
        self.assertIn(f"/dispatches/new/?case={self.case.pk}", html)

    def test_the_worker_list_separates_coming_dispatches_and_flags_missing_reports(self) -> None:
        dispatch(self.soudan, self.supporter, self.case, days=5)
        moved_to_past(dispatch(self.soudan, self.supporter, self.case, days=1))
        self.login(self.soudan)
        page = self.client.get("/dispatches/")
        self.assertEqual(len(page.context["upcoming"]), 1)
        self.assertEqual(len(page.context["others"]), 1)
        self.assertContains(page, "報告待ち")

    def test_a_dispatch_in_the_past_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.soudan)
        yesterday = timezone.now() - timedelta(days=1)
        response = self.client.post(
            "/dispatches/new/", self.form_data(starts_at=local_minute(yesterday))
        )
        self.assertContains(response, DISPATCH_IN_PAST)
        self.assertContains(response, "つなぐ駅 北口の改札")
        self.assertFalse(Dispatch.objects.exists())

    def test_a_home_visit_needs_a_case_and_a_closed_case_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/dispatches/new/", self.form_data(case=""))
        self.assertContains(response, CASE_REQUIRED)
        self.case.stage = Stage.CLOSED
        self.case.save()
        response = self.client.post("/dispatches/new/", self.form_data())
        # A closed case is not offered at all; the service would say so in its own words.
        self.assertContains(response, "ケースは一覧にあるものから選んでください。")
        self.assertTrue(CASE_CLOSED)
        self.assertFalse(Dispatch.objects.exists())

    def test_an_accompaniment_needs_no_case(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/dispatches/new/", self.form_data(kind="accompany", case=""))
        self.assertEqual(response.status_code, 302)
        self.assertIsNone(Dispatch.objects.get().case)

    def test_a_case_of_another_organisation_cannot_be_chosen(self) -> None:
        other_case = open_case(self.minato)
        self.login(self.soudan)
        response = self.client.post("/dispatches/new/", self.form_data(case=str(other_case.pk)))
        self.assertContains(response, "ケースは一覧にあるものから選んでください。")
        self.assertFalse(Dispatch.objects.exists())

    def test_a_resting_supporter_is_not_offered_nor_accepted(self) -> None:
        from supporters.services import dispatch_create

        self.supporter.is_active = False
        self.supporter.save()
        self.login(self.soudan)
        response = self.client.post("/dispatches/new/", self.form_data())
        self.assertContains(response, "サポーターは一覧にあるものから選んでください。")
        with self.assertRaisesMessage(Exception, SUPPORTER_INACTIVE):
            dispatch_create(
                organisation_id=self.window.pk,
                supporter=self.supporter,
                data={
                    "kind": "accompany",
                    "starts_at": in_days(1),
                    "meeting_point": "駅",
                    "display_name": "けんたさん",
                    "worker": self.soudan,
                },
                by=self.soudan,
            )

    def test_a_report_before_the_dispatch_time_is_refused(self) -> None:
        item = dispatch(self.soudan, self.supporter, self.case)
        self.login(self.supporter_user)
        response = self.client.post(
            f"/my/dispatches/{item.pk}/report/",
            {"what_happened": "まだ", "minutes_spent": "30", "concerns": ""},
        )
        self.assertContains(response, REPORT_TOO_EARLY)
        self.assertFalse(DispatchReport.objects.exists())

    def test_a_report_on_a_cancelled_dispatch_is_refused(self) -> None:
        item = dispatch(self.soudan, self.supporter, self.case)
        self.login(self.soudan)
        response = self.client.post(f"/dispatches/{item.pk}/cancel/", {"reason": "本人の体調"})
        self.assertRedirects(response, f"/dispatches/{item.pk}/")
        moved_to_past(item)
        self.login(self.supporter_user)
        page = self.client.get(f"/my/dispatches/{item.pk}/")
        self.assertContains(page, "中止になりました")
        self.assertNotContains(page, "報告を提出")
        response = self.client.post(
            f"/my/dispatches/{item.pk}/report/",
            {"what_happened": "行った", "minutes_spent": "30", "concerns": ""},
        )
        self.assertContains(response, REPORT_ON_CANCELLED)
        self.assertFalse(DispatchReport.objects.exists())
        self.assertEqual(Dispatch.objects.get(pk=item.pk).state, "cancelled")

    def test_a_second_report_is_refused_and_the_first_kept(self) -> None:
        item = moved_to_past(dispatch(self.soudan, self.supporter, self.case))
        self.login(self.supporter_user)
        data = {"what_happened": "一回目", "minutes_spent": "30", "concerns": ""}
        self.client.post(f"/my/dispatches/{item.pk}/report/", data)
        response = self.client.post(
            f"/my/dispatches/{item.pk}/report/", {**data, "what_happened": "二回目"}
        )
        self.assertContains(response, REPORT_TWICE)
        self.assertContains(response, "一回目")  # the filed report is shown, not a new form
        self.assertEqual(DispatchReport.objects.get().what_happened, "一回目")

    def test_a_report_with_no_text_or_impossible_minutes_is_refused(self) -> None:
        item = moved_to_past(dispatch(self.soudan, self.supporter, self.case))
        self.login(self.supporter_user)
        response = self.client.post(
            f"/my/dispatches/{item.pk}/report/",
            {"what_happened": "", "minutes_spent": "2000", "concerns": ""},
        )
        self.assertContains(response, "どんなことをしたかを入力してください。")
        self.assertContains(response, "活動した時間は1〜1440分の間で入力してください。")
        self.assertFalse(DispatchReport.objects.exists())

    def test_a_cancellation_needs_a_reason_and_a_done_dispatch_cannot_be_cancelled(self) -> None:
        item = moved_to_past(dispatch(self.soudan, self.supporter, self.case))
        self.login(self.soudan)
        response = self.client.post(f"/dispatches/{item.pk}/cancel/", {"reason": ""})
        self.assertContains(response, "中止の理由を入力してください。")
        DispatchReport.objects.create(
            dispatch=item, what_happened="話せた", minutes_spent=30, filed_by=self.supporter_user
        )
        Dispatch.objects.filter(pk=item.pk).update(state="done")
        response = self.client.post(f"/dispatches/{item.pk}/cancel/", {"reason": "間違い"})
        self.assertContains(response, "報告が提出された派遣は中止にできません。")
        self.assertEqual(Dispatch.objects.get(pk=item.pk).state, "done")


class ConcernNotificationTests(BaseTestCase):
    def setUp(self) -> None:
        self.supporter_user = self.world.staff["supporter"]
        self.supporter = register(self.soudan, user=self.supporter_user)
        self.case = open_case(self.soudan)

    def file(self, concerns: str) -> None:
        item = moved_to_past(dispatch(self.soudan, self.supporter, self.case))
        report_file(
            dispatch=item,
            data={"what_happened": "玄関先で話した。", "minutes_spent": 30, "concerns": concerns},
            by=self.supporter_user,
        )

    def test_a_concern_reaches_the_worker_without_what_was_written(self) -> None:
        from notifications.models import Notification

        self.file("眠れていないと言っていた。")
        (note,) = Notification.objects.filter(recipient=self.soudan)
        self.assertIn("気がかり", note.message)
        self.assertNotIn("眠れて", note.message)
        self.assertTrue(note.url.startswith("/dispatches/"))

    def test_a_report_without_a_concern_tells_nobody(self) -> None:
        from notifications.models import Notification

        self.file("")
        self.assertFalse(Notification.objects.filter(recipient=self.soudan).exists())
