"""Correcting an activity (訂正): a reason is required, the previous version is kept and shown,
the case's contact dates follow the correction, and nothing is ever deleted."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent, PreviousVersion
from audit.services import CORRECTION_REASON_REQUIRED
from cases.models import Activity, Case
from cases.services import MET_BUT_OUTCOME_NOT_MET, activity_add, activity_correct
from cases.tests.helpers import days_ago, open_case
from cases.tests.test_activity_pages import local_minute
from collaboration.watch import build_watch_list
from tsunagu.fields import is_token
from tsunagu.test import BaseTestCase


class ActivityCorrectionTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan, opened_days_ago=30)
        self.met_at = timezone.now() - timedelta(days=3)
        self.activity = activity_add(
            case=self.case,
            data={
                "occurred_at": self.met_at,
                "kind": Activity.Kind.HOME_VISIT,
                "visit_outcome": Activity.VisitOutcome.MET_PERSON,
                "content": "玄関先で本人と話せた。通院の話が出た。",
            },
            by=self.soudan,
        )
        self.url = f"/cases/{self.case.pk}/activities/{self.activity.pk}/correct/"
        self.versions_url = f"/cases/{self.case.pk}/activities/{self.activity.pk}/versions/"

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "occurred_at": local_minute(self.met_at),
            "kind": "home_visit",
            "visit_outcome": "met_person",
            "met_person": "on",
            "participants": [str(self.soudan.pk)],
            "content": "玄関先で本人と話せた。通院の話が出た。",
            "version": "1",
            "reason": "訪問の結果を取り違えた",
        }
        data.update(overrides)
        return {key: value for key, value in data.items() if value is not None}

    def case_now(self) -> Case:
        return Case.objects.get(pk=self.case.pk)

    def test_the_form_is_prefilled_with_the_saved_values_and_the_version(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url)
        form = response.context["form"]
        self.assertEqual(form.initial["content"], "玄関先で本人と話せた。通院の話が出た。")
        self.assertEqual(form.initial["version"], 1)
        self.assertEqual(form.initial["participants"], [self.soudan.pk])
        self.assertContains(response, "訂正の理由")

    def test_a_participant_who_has_since_left_stays_on_the_corrected_activity(self) -> None:
        self.activity.participants.add(self.douryou)
        User.objects.filter(pk=self.douryou.pk).update(is_active=False)
        self.login(self.soudan)
        participants = [str(self.soudan.pk), str(self.douryou.pk)]
        response = self.client.post(
            self.url, self.form_data(content="内容を直した。", participants=participants)
        )
        self.assertRedirects(response, self.versions_url)
        kept = set(
            Activity.objects.get(pk=self.activity.pk).participants.values_list("pk", flat=True)
        )
        self.assertEqual(kept, {self.soudan.pk, self.douryou.pk})

    def test_a_correction_keeps_the_previous_version_and_shows_it(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(content="玄関先で母親と話した。"))
        self.assertRedirects(response, self.versions_url)
        activity = Activity.objects.get(pk=self.activity.pk)
        self.assertEqual((activity.content, activity.version), ("玄関先で母親と話した。", 2))
        (kept,) = PreviousVersion.objects.all()
        self.assertEqual(
            (kept.version, kept.by, kept.reason), (1, self.soudan, "訪問の結果を取り違えた")
        )
        self.assertEqual(
            kept.changes,
            {"content": ["玄関先で本人と話せた。通院の話が出た。", "玄関先で母親と話した。"]},
        )
        page = self.client.get(self.versions_url)
        self.assertContains(page, "第1版からの訂正")
        self.assertContains(page, "訪問の結果を取り違えた")
        self.assertContains(page, "玄関先で本人と話せた。通院の話が出た。")
        self.assertContains(page, "玄関先で母親と話した。")
        self.assertContains(page, str(self.soudan))
        case_page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(case_page, "訂正あり")
        self.assertContains(case_page, self.versions_url)

    def test_the_audit_row_of_the_correction_names_the_previous_version(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="玄関先で母親と話した。"))
        (kept,) = PreviousVersion.objects.all()
        (row,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE,
            object_type="cases.activity",
            object_id=str(self.activity.pk),
        )
        self.assertEqual(row.detail["previous_version"], kept.pk)
        self.assertEqual(row.detail["fields"], ["content"])
        self.assertEqual(row.detail["case"], self.case.pk)

    def test_the_kept_version_is_encrypted_at_rest(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="玄関先で母親と話した。"))
        with connection.cursor() as cursor:
            cursor.execute("SELECT changes, reason FROM audit_previousversion")
            changes, reason = cursor.fetchone()
        self.assertTrue(is_token(changes) and is_token(reason))
        self.assertNotIn("通院", changes)

    def test_un_ticking_met_puts_the_case_back_on_the_not_yet_met_list(self) -> None:
        self.assertEqual(self.case_now().first_met_on, timezone.localtime(self.met_at).date())
        self.assertEqual(build_watch_list(self.soudan).not_met, [])
        self.login(self.soudan)
        response = self.client.post(
            self.url, self.form_data(visit_outcome="family_only", met_person=None)
        )
        self.assertRedirects(response, self.versions_url)
        case = self.case_now()
        self.assertIsNone(case.first_met_on)
        # Still a contact with the family: the last contact stays.
        self.assertEqual(case.last_contact_on, timezone.localtime(self.met_at).date())
        (entry,) = build_watch_list(self.soudan).not_met
        self.assertEqual(entry.case.pk, self.case.pk)

    def test_a_corrected_date_moves_the_contact_dates_back(self) -> None:
        earlier = timezone.now() - timedelta(days=10)
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(occurred_at=local_minute(earlier)))
        case = self.case_now()
        day = timezone.localtime(earlier).date()
        self.assertEqual((case.first_met_on, case.last_contact_on), (day, day))

    def test_a_contact_corrected_to_agency_liaison_leaves_no_last_contact(self) -> None:
        self.login(self.soudan)
        self.client.post(
            self.url, self.form_data(kind="agency_liaison", visit_outcome="", met_person=None)
        )
        case = self.case_now()
        self.assertEqual((case.first_met_on, case.last_contact_on), (None, None))

    def test_the_same_rules_as_a_new_activity_refuse_a_contradiction(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(visit_outcome="family_only"))
        self.assertContains(response, MET_BUT_OUTCOME_NOT_MET.format(outcome="家族のみ"))
        self.assertEqual(Activity.objects.get(pk=self.activity.pk).version, 1)
        self.assertFalse(PreviousVersion.objects.exists())

    def test_the_reason_is_required(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(reason="", content="書き換え"))
        self.assertContains(response, "訂正の理由を入力してください。")
        self.assertEqual(
            Activity.objects.get(pk=self.activity.pk).content,
            "玄関先で本人と話せた。通院の話が出た。",
        )

    def test_the_service_refuses_a_blank_reason_too(self) -> None:
        from django.core.exceptions import ValidationError

        from cases.services import activity_correct

        with self.assertRaises(ValidationError) as raised:
            activity_correct(
                activity=self.activity,
                data={"occurred_at": self.met_at, "kind": "phone", "content": "x"},
                version=1,
                reason=" ",
                by=self.soudan,
            )
        self.assertEqual(raised.exception.message_dict["reason"], [CORRECTION_REASON_REQUIRED])

    def test_a_stale_version_is_refused_with_both_versions_shown(self) -> None:
        self.login(self.douryou)
        self.client.post(self.url, self.form_data(content="同僚が先に訂正した内容"))
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(content="わたしの訂正"))
        self.assertContains(response, "ほかの人が先にこの支援経過を訂正しました。")
        self.assertContains(response, "同僚が先に訂正した内容")
        self.assertContains(response, "わたしの訂正")
        self.assertEqual(response.context["form"]["version"].value(), "2")
        self.assertEqual(
            Activity.objects.get(pk=self.activity.pk).content, "同僚が先に訂正した内容"
        )
        # Saving again, knowingly, corrects the version saved now.
        again = self.client.post(self.url, self.form_data(content="わたしの訂正", version="2"))
        self.assertRedirects(again, self.versions_url)
        self.assertEqual(PreviousVersion.objects.count(), 2)

    def test_nothing_is_deleted_by_corrections(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="一度目"))
        self.client.post(self.url, self.form_data(content="二度目", version="2"))
        self.assertEqual(Activity.objects.filter(case=self.case).count(), 1)
        versions = list(
            PreviousVersion.objects.order_by("version").values_list("version", flat=True)
        )
        self.assertEqual(versions, [1, 2])
        page = self.client.get(self.versions_url)
        self.assertContains(page, "第1版からの訂正")
        self.assertContains(page, "第2版からの訂正")

    def test_participants_can_be_corrected_and_are_kept(self) -> None:
        self.login(self.soudan)
        self.client.post(
            self.url, self.form_data(participants=[str(self.soudan.pk), str(self.douryou.pk)])
        )
        (kept,) = PreviousVersion.objects.all()
        self.assertEqual(
            kept.changes,
            {"participants": [[self.soudan.pk], sorted([self.soudan.pk, self.douryou.pk])]},
        )
        page = self.client.get(self.versions_url)
        self.assertContains(page, "参加した職員")

    def test_another_organisation_gets_404(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.url).status_code, 404)
        self.assertEqual(self.client.get(self.versions_url).status_code, 404)
        self.assertEqual(self.client.post(self.url, self.form_data()).status_code, 404)

    def test_an_activity_of_another_case_gets_404(self) -> None:
        other = open_case(self.soudan, opened_days_ago=5)
        self.login(self.soudan)
        response = self.client.get(f"/cases/{other.pk}/activities/{self.activity.pk}/correct/")
        self.assertEqual(response.status_code, 404)

    def test_the_auditor_gets_403_and_changes_nothing(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)
        self.assertEqual(self.client.post(self.url, self.form_data(content="x")).status_code, 403)
        self.assertEqual(self.client.get(self.versions_url).status_code, 403)
        self.assertEqual(Activity.objects.get(pk=self.activity.pk).version, 1)

    def test_the_versions_page_read_is_audited(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url, self.form_data(content="一度目"))
        self.client.get(self.versions_url)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="audit.previousversion")
        self.assertEqual(row.detail["cases.activity"], [self.activity.pk])
        self.assertEqual(len(row.detail["ids"]), 1)

    def test_an_activity_never_corrected_has_no_mark(self) -> None:
        self.login(self.soudan)
        page = self.client.get(f"/cases/{self.case.pk}/")
        self.assertNotContains(page, "訂正あり")
        self.assertContains(page, self.url)
        self.assertEqual(days_ago(0), timezone.localdate())

    def test_saving_the_same_values_corrects_nothing_and_says_so(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.form_data(), follow=True)
        self.assertContains(response, "内容が今の版と同じだったので、訂正していません")
        self.assertEqual(Activity.objects.get(pk=self.activity.pk).version, 1)
        self.assertFalse(PreviousVersion.objects.exists())
        self.assertEqual(
            self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="cases.activity"), []
        )

    def test_un_ticking_met_on_a_phone_call_clears_the_first_meeting(self) -> None:
        call_at = timezone.now() - timedelta(days=1)
        call = activity_add(
            case=self.case,
            data={
                "occurred_at": call_at,
                "kind": Activity.Kind.PHONE,
                "met_person": True,
                "content": "本人が電話に出た",
            },
            by=self.soudan,
        )
        self.login(self.soudan)
        first = self.form_data(visit_outcome="family_only", met_person=None)
        self.client.post(self.url, first)
        self.assertEqual(self.case_now().first_met_on, timezone.localtime(call_at).date())
        url = f"/cases/{self.case.pk}/activities/{call.pk}/correct/"
        data = self.form_data(
            occurred_at=local_minute(call_at),
            kind="phone",
            visit_outcome="",
            met_person=None,
            content="母親が電話に出た",
            reason="本人ではなく母親だった",
        )
        self.client.post(url, data)
        case = self.case_now()
        self.assertIsNone(case.first_met_on)
        self.assertEqual(case.last_contact_on, timezone.localtime(call_at).date())


class PartialCorrectionTests(BaseTestCase):
    def test_a_correction_that_sends_one_field_changes_only_that_field(self) -> None:
        case = open_case(self.soudan, opened_days_ago=10)
        activity = activity_add(
            case=case,
            data={
                "occurred_at": timezone.now() - timedelta(days=2),
                "kind": Activity.Kind.HOME_VISIT,
                "visit_outcome": Activity.VisitOutcome.FAMILY_ONLY,
                "content": "母と話した。",
            },
            by=self.soudan,
        )
        corrected = activity_correct(
            activity=activity,
            data={"content": "母と玄関で話した。"},
            version=activity.version,
            reason="言葉を足した",
            by=self.soudan,
        )
        self.assertEqual(corrected.content, "母と玄関で話した。")
        self.assertEqual(corrected.visit_outcome, Activity.VisitOutcome.FAMILY_ONLY)
        self.assertFalse(corrected.met_person)

    def test_a_partial_correction_is_still_checked_against_what_is_kept(self) -> None:
        case = open_case(self.soudan, opened_days_ago=10)
        activity = activity_add(
            case=case,
            data={
                "occurred_at": timezone.now() - timedelta(days=2),
                "kind": Activity.Kind.HOME_VISIT,
                "visit_outcome": Activity.VisitOutcome.NOBODY,
                "content": "不在だった。",
            },
            by=self.soudan,
        )
        with self.assertRaises(ValidationError) as refused:
            activity_correct(
                activity=activity,
                data={"met_person": True},
                version=activity.version,
                reason="会えていた",
                by=self.soudan,
            )
        self.assertIn("met_person", refused.exception.message_dict)
