"""就労準備支援事業: the enrolment with its one-year limit, the extension under the 省令's
exception, the refusals past the limit, the home's warning, and a joint scheme (広域実施)."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Activity
from cases.tests.helpers import days_ago, open_case
from participation.models import WorkReadinessEnrolment, one_year_from
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


def enrol(case: object, provider: object, started_days_ago: int, by: object) -> object:
    return WorkReadinessEnrolment.objects.create(
        case=case,
        provider=provider,
        started_on=days_ago(started_days_ago),
        components=["daily_life"],
        created_by=by,
    )


class EnrolmentTests(BaseTestCase):
    def test_a_worker_registers_an_enrolment_whose_limit_is_one_year(self) -> None:
        case = open_case(self.soudan)
        provider = self.world.organisations["jiritsu"]
        self.login(self.soudan)
        start = days_ago(10)
        response = self.client.post(
            f"/cases/{case.pk}/readiness/new/",
            {
                "provider": provider.pk,
                "started_on": start.isoformat(),
                "components": ["daily_life", "mock_interview"],
            },
        )
        enrolment = WorkReadinessEnrolment.objects.get(case=case)
        self.assertRedirects(response, f"/readiness/{enrolment.pk}/")
        self.assertEqual(enrolment.ends_on, one_year_from(start))
        page = self.client.get(f"/readiness/{enrolment.pk}/")
        self.assertContains(page, f"{wareki(one_year_from(start))}（開始から1年）")
        self.assertContains(page, "模擬面接")
        case_page = self.client.get(f"/cases/{case.pk}/")
        self.assertContains(case_page, f"{provider.name}（{wareki(start)}から）")

    def test_an_extension_without_a_reason_or_approver_is_refused(self) -> None:
        enrolment = enrol(open_case(self.soudan), self.window, 300, self.soudan)
        self.login(self.soudan)
        until = (enrolment.ends_on + timedelta(days=180)).isoformat()
        response = self.client.post(
            f"/readiness/{enrolment.pk}/extend/",
            {"extended_until": until, "extension_reason": " ", "version": enrolment.version},
        )
        self.assertContains(response, "延長するには、例外に当たる事情")
        self.assertContains(response, "延長を承認した職員を選んでください。")
        enrolment.refresh_from_db()
        self.assertIsNone(enrolment.extended_until)

    def test_an_extension_with_the_reason_and_the_approver_is_kept(self) -> None:
        enrolment = enrol(open_case(self.soudan), self.window, 300, self.soudan)
        chousei = self.world.staff["chousei"]
        self.login(self.soudan)
        until = enrolment.ends_on + timedelta(days=180)
        self.client.post(
            f"/readiness/{enrolment.pk}/extend/",
            {
                "extended_until": until.isoformat(),
                "extension_reason": "外出が週1回に戻ったばかりで、あと半年の通所が必要",
                "extension_approved_by": chousei.pk,
                "version": enrolment.version,
            },
        )
        enrolment.refresh_from_db()
        self.assertEqual(
            (enrolment.extended_until, enrolment.extension_approved_by), (until, chousei)
        )
        page = self.client.get(f"/readiness/{enrolment.pk}/")
        self.assertContains(page, "外出が週1回に戻ったばかりで、あと半年の通所が必要")
        self.assertContains(page, str(chousei))

    def test_past_its_limit_without_an_extension_attendance_and_changes_are_refused(self) -> None:
        case = open_case(self.soudan, opened_days_ago=500)
        enrolment = enrol(case, self.window, 400, self.soudan)
        self.login(self.soudan)
        limit = wareki(enrolment.limit)
        attend = self.client.post(
            f"/readiness/{enrolment.pk}/attendance/",
            {"attended_on": timezone.localdate().isoformat(), "note": ""},
        )
        self.assertContains(attend, f"利用期限（{limit}）を過ぎています。")
        self.assertFalse(Activity.objects.filter(case=case).exists())
        edit = self.client.post(
            f"/readiness/{enrolment.pk}/components/",
            {"components": ["social"], "version": enrolment.version},
        )
        self.assertContains(edit, f"利用期限（{limit}）を過ぎています。")

    def test_attendance_within_the_limit_goes_to_the_activity_log(self) -> None:
        case = open_case(self.soudan, opened_days_ago=100)
        enrolment = enrol(case, self.window, 30, self.soudan)
        self.login(self.soudan)
        self.client.post(
            f"/readiness/{enrolment.pk}/attendance/",
            {"attended_on": days_ago(1).isoformat(), "note": "模擬面接に参加"},
        )
        activity = Activity.objects.get(case=case)
        self.assertIn("就労準備支援事業に参加", activity.content)
        self.assertIn("模擬面接に参加", activity.content)


class JointSchemeTests(BaseTestCase):
    """広域実施: one provider serves つなぐ市 and みなと町; each window sees its own residents."""

    def test_each_municipality_sees_only_its_own_residents_enrolments(self) -> None:
        provider = self.world.organisations["jiritsu"]
        ours = enrol(open_case(self.soudan, title="つなぐ市の人"), provider, 30, self.soudan)
        theirs = enrol(open_case(self.minato, title="みなと町の人"), provider, 30, self.minato)
        self.login(self.minato)
        self.assertEqual(self.client.get(f"/readiness/{ours.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/readiness/{theirs.pk}/").status_code, 200)
        self.assertEqual(self.client.post(f"/readiness/{ours.pk}/extend/", {}).status_code, 404)
        self.login(self.soudan)
        self.assertEqual(self.client.get(f"/readiness/{theirs.pk}/").status_code, 404)


class HomeWarningTests(BaseTestCase):
    def test_an_enrolment_two_months_before_its_limit_is_on_the_home(self) -> None:
        near = open_case(self.soudan, title="就労準備のケース", opened_days_ago=400)
        far = open_case(self.soudan, title="始めたばかりのケース", opened_days_ago=30)
        extended = open_case(self.soudan, title="延長したケース", opened_days_ago=400)
        warned = enrol(near, self.window, 340, self.soudan)
        enrol(far, self.window, 20, self.soudan)
        long = enrol(extended, self.window, 340, self.soudan)
        WorkReadinessEnrolment.objects.filter(pk=long.pk).update(
            extended_until=long.ends_on + timedelta(days=180),
            extension_reason="あと半年",
            extension_approved_by=self.soudan,
        )
        self.login(self.soudan)
        response = self.client.get("/")
        limits = {s.key: s for s in response.context["work"].sections}["work_readiness"]
        self.assertEqual(limits.count, 1)
        entry = limits.entries[0]
        self.assertEqual((entry.label, entry.when), ("就労準備のケース", warned.limit))
        self.assertEqual(entry.url, f"/readiness/{warned.pk}/")
        self.assertContains(response, "就労準備支援の1年の期限が近い")
