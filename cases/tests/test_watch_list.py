from datetime import timedelta
from unittest.mock import patch

from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Activity, Case, Stage, SupportPlan
from cases.services import activity_add, plan_save
from cases.tests.helpers import days_ago, follow_up_passed, make_agency, make_person, open_case
from collaboration.models import Referral
from collaboration.referrals.services import referral_create
from collaboration.watch import build_watch_list, watch_counts
from consultations.models import Consultation
from participation.models import WorkReadinessEnrolment
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase, audit_lock_queries


def consult(case: Case, days: int) -> Consultation:
    """A family member's phone call about the person, received `days` ago."""
    assert case.person is not None
    return Consultation.objects.create(
        organisation_id=case.organisation_id,
        received_at=timezone.now() - timedelta(days=days),
        channel="phone",
        consulter_type="family",
        person=case.person,
        main_concern="hikikomori",
        categories=["hikikomori"],
        disposition="continue",
        case=case,
        taken_by=case.lead_worker,
    )


def met(case: Case, days: int) -> None:
    activity_add(
        case=case,
        data={
            "occurred_at": timezone.now() - timedelta(days=days),
            "kind": Activity.Kind.INTERVIEW,
            "met_person": True,
            "content": "来所面談。本人と話せた。",
        },
        by=case.lead_worker,
    )


class WatchListTests(BaseTestCase):
    def setUp(self) -> None:
        self.agency = make_agency(self.soudan)

    def refer(self, case: Case, by: object, follow_up_days_ago: int) -> Referral:
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=case.person_id or 0,
            agency_id=self.agency.pk,
            purpose="介護保険の申請",
            follow_up_on=days_ago(min(follow_up_days_ago, 0)),
            case=case,
            by=by,  # type: ignore[arg-type]
        )
        return follow_up_passed(referral, days_ago(follow_up_days_ago))

    def test_it_shows_a_case_overdue_for_contact(self) -> None:
        overdue = open_case(self.soudan, title="連絡が途絶えているケース", opened_days_ago=60)
        met(overdue, days=45)  # last contact 45 days ago, every 30 days: 15 days overdue
        recent = open_case(self.soudan, title="先週連絡したケース", opened_days_ago=60)
        met(recent, days=7)
        self.login(self.soudan)
        response = self.client.get("/watch/")
        overdue_entries = response.context["watch"].overdue_contacts
        self.assertEqual([entry.case.pk for entry in overdue_entries], [overdue.pk])
        self.assertEqual(overdue_entries[0].days_overdue, 15)
        self.assertContains(response, "連絡が途絶えているケース")
        self.assertContains(response, f"{wareki(days_ago(15))}（15日超過）")

    def test_a_case_with_no_contact_yet_is_due_from_its_opening_date(self) -> None:
        case = open_case(self.soudan, opened_days_ago=40, contact_every_days=14)
        watch = build_watch_list(self.soudan)
        (entry,) = watch.overdue_contacts
        self.assertEqual((entry.case.pk, entry.days_overdue), (case.pk, 26))

    def test_it_shows_a_case_whose_person_has_not_been_met_with_days_since_consultation(
        self,
    ) -> None:
        case = open_case(self.soudan, title="まだ会えていないケース", opened_days_ago=100)
        consult(case, days=120)
        consult(case, days=30)
        met_case = open_case(self.soudan, title="会えたケース")
        met(met_case, days=2)
        self.login(self.soudan)
        response = self.client.get("/watch/")
        (entry,) = response.context["watch"].not_met
        self.assertEqual((entry.case.pk, entry.days, entry.since), (case.pk, 120, days_ago(120)))
        self.assertContains(response, f"120日（最初の相談 {wareki(days_ago(120))}）")

    def test_without_a_consultation_the_days_count_from_the_opening(self) -> None:
        open_case(self.soudan, opened_days_ago=12)
        (entry,) = build_watch_list(self.soudan).not_met
        self.assertEqual((entry.days, entry.from_consultation), (12, False))

    def test_it_shows_a_plan_whose_review_date_has_come(self) -> None:
        case = open_case(self.soudan, title="見直しの時期のケース")
        later = open_case(self.soudan, title="見直しはまだ先のケース")
        for target, review in ((case, days_ago(0)), (later, days_ago(-10))):
            plan_save(
                case=target,
                data={"long_term_goal": "外出", "short_term_goals": "面談", "review_on": review},
                actions=[],
                based_on=0,
                by=self.soudan,
            )
        self.login(self.soudan)
        response = self.client.get("/watch/")
        self.assertEqual([e.case.pk for e in response.context["watch"].reviews_due], [case.pk])

    def test_it_shows_my_referral_still_open_after_its_follow_up_date(self) -> None:
        case = open_case(self.soudan)
        overdue = self.refer(case, self.soudan, follow_up_days_ago=3)
        self.refer(case, self.soudan, follow_up_days_ago=-3)  # not yet due
        connected = self.refer(case, self.soudan, follow_up_days_ago=10)
        Referral.objects.filter(pk=connected.pk).update(state=Referral.State.CONNECTED)
        accepted = self.refer(case, self.soudan, follow_up_days_ago=1)
        Referral.objects.filter(pk=accepted.pk).update(state=Referral.State.ACCEPTED)
        self.refer(case, self.douryou, follow_up_days_ago=5)  # a colleague's
        self.login(self.soudan)
        response = self.client.get("/watch/")
        shown = [referral.pk for referral in response.context["watch"].overdue_referrals]
        self.assertEqual(shown, [overdue.pk, accepted.pk])
        self.assertContains(response, "つなぐ市中央地域包括支援センター")
        self.assertContains(response, "打診中")
        organisation = self.client.get("/watch/?scope=organisation")
        self.assertEqual(len(organisation.context["watch"].overdue_referrals), 3)

    def test_my_list_leaves_out_colleagues_cases_and_the_organisation_toggle_adds_them(
        self,
    ) -> None:
        open_case(self.douryou, title="同僚のケース", opened_days_ago=90)
        self.login(self.soudan)
        self.assertNotContains(self.client.get("/watch/"), "同僚のケース")
        self.assertContains(self.client.get("/watch/?scope=organisation"), "同僚のケース")

    def test_closed_cases_and_another_towns_cases_are_never_listed(self) -> None:
        closed = open_case(self.soudan, title="終結したケース", opened_days_ago=90)
        Case.objects.filter(pk=closed.pk).update(stage=Stage.CLOSED)
        open_case(
            self.minato, make_person(self.minato_window, "港", "次郎"), title="みなと町のケース"
        )
        self.login(self.soudan)
        response = self.client.get("/watch/?scope=organisation")
        self.assertNotContains(response, "終結したケース")
        self.assertNotContains(response, "みなと町のケース")

    def test_the_list_is_audited_with_the_ids_shown(self) -> None:
        case = open_case(self.soudan, opened_days_ago=90)
        referral = self.refer(case, self.soudan, follow_up_days_ago=2)
        self.login(self.soudan)
        self.client.get("/watch/")
        cases_row, referrals_row = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual(
            (cases_row.object_type, cases_row.detail["ids"]), ("cases.case", [case.pk])
        )
        self.assertEqual(referrals_row.detail["ids"], [referral.pk])

    def test_it_warns_of_a_work_readiness_enrolment_two_months_before_its_limit(self) -> None:
        near = open_case(self.soudan, title="就労準備の期限が近いケース", opened_days_ago=400)
        far = open_case(self.soudan, title="始めたばかりのケース", opened_days_ago=400)
        enrolled = WorkReadinessEnrolment.objects.create(
            case=near, provider=self.window, started_on=days_ago(320), created_by=self.soudan
        )
        WorkReadinessEnrolment.objects.create(
            case=far, provider=self.window, started_on=days_ago(30), created_by=self.soudan
        )
        self.login(self.soudan)
        response = self.client.get("/watch/")
        self.assertEqual([e.pk for e in response.context["readiness"].shown], [enrolled.pk])
        self.assertContains(response, "就労準備支援事業の期限が近い利用（1件）")
        self.assertContains(response, f'href="/readiness/{enrolled.pk}/"')
        self.assertContains(response, wareki(enrolled.ends_on))
        _, referrals_row = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual(
            referrals_row.detail["participation.workreadinessenrolment"], [enrolled.pk]
        )

    def test_the_statistics_clerk_gets_403(self) -> None:
        self.login(self.toukei)
        self.assertEqual(self.client.get("/watch/").status_code, 403)

    def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(self) -> None:
        self.login(self.soudan)
        self.client.get("/watch/")  # warm the session
        for total in (1, 20):
            Case.objects.filter(lead_worker=self.soudan).update(stage=Stage.CLOSED)
            for index in range(total):
                case = open_case(self.soudan, title=f"ケース{total}-{index}", opened_days_ago=90)
                consult(case, days=100)
                plan = plan_save(
                    case=case,
                    data={
                        "long_term_goal": "外出",
                        "short_term_goals": "面談",
                        "review_on": days_ago(0),
                    },
                    actions=[],
                    based_on=0,
                    by=self.soudan,
                )
                # The service takes no review date in the past: the date passes afterwards.
                SupportPlan.objects.filter(pk=plan.pk).update(review_on=days_ago(1))
                Case.objects.filter(pk=case.pk).update(review_on=days_ago(1))
                self.refer(case, self.soudan, follow_up_days_ago=2)
            # session, user, roles (3); the three counts (an aggregate over the open cases,
            # the overdue referrals, the open action items: 3); the three case sections and the
            # overdue referrals, each its page's ids chosen by a subquery (4); open meeting
            # action items (1); the teams of every person shown (1); the 就労準備支援
            # enrolments near their limit (1, none here); two audit rows (savepoint, lock on
            # PostgreSQL, last row, insert, release: 4 each); session save (3)
            with self.assertNumQueries(24 + 2 * audit_lock_queries()):
                response = self.client.get("/watch/")
            watch = response.context["watch"]
            self.assertEqual(
                (len(watch.overdue_contacts), len(watch.not_met), len(watch.reviews_due)),
                (total, total, total),
            )
            self.assertEqual(len(watch.overdue_referrals), total + (1 if total == 20 else 0))


class BoundedWatchListTests(BaseTestCase):
    """Each section reads at most SECTION_LIMIT rows, decided and sorted in SQL; the heading
    counts every entry and links to the case list filtered the same way."""

    def test_a_long_section_shows_the_most_overdue_first_and_links_to_the_rest(self) -> None:
        cases = [
            open_case(self.soudan, title=f"期限超過{n}", opened_days_ago=40 + n) for n in (0, 5, 9)
        ]
        open_case(self.soudan, title="まだ期限内", opened_days_ago=3)
        self.login(self.soudan)
        with patch("collaboration.watch.SECTION_LIMIT", 2):
            response = self.client.get("/watch/")
        watch = response.context["watch"]
        shown = [entry.case.pk for entry in watch.overdue_contacts]
        self.assertEqual(shown, [cases[2].pk, cases[1].pk])
        self.assertEqual(watch.counts.overdue_contacts, 3)
        self.assertContains(response, "連絡の期限を過ぎたケース（3件）")
        self.assertContains(response, "?contact_overdue=on")

    def test_the_case_list_filter_finds_the_same_overdue_cases(self) -> None:
        overdue = open_case(self.soudan, title="期限超過のケース", opened_days_ago=45)
        open_case(self.soudan, title="期限内のケース", opened_days_ago=3)
        weekly = open_case(
            self.soudan, title="週1回のケース", opened_days_ago=10, contact_every_days=7
        )
        self.login(self.soudan)
        response = self.client.get("/cases/?contact_overdue=on")
        listed = {case.pk for case in response.context["listing"].records}
        self.assertEqual(listed, {overdue.pk, weekly.pk})

    def test_the_counts_follow_the_contact_interval_of_each_row(self) -> None:
        open_case(self.soudan, opened_days_ago=10, contact_every_days=7)  # due 3 days ago
        open_case(self.soudan, opened_days_ago=10, contact_every_days=14)  # due in 4 days
        counts = watch_counts(self.soudan, today=timezone.localdate())
        self.assertEqual(counts.overdue_contacts, 1)
        self.assertEqual(counts.not_met, 2)


class ReviewDateOnTheCaseTests(BaseTestCase):
    def test_the_case_keeps_the_latest_plans_review_date(self) -> None:
        case = open_case(self.soudan, opened_days_ago=30)
        for number, days_ahead in ((0, 10), (1, 60)):
            plan_save(
                case=case,
                data={
                    "long_term_goal": "外出",
                    "short_term_goals": "面談",
                    "review_on": days_ago(-days_ahead),
                },
                actions=[],
                based_on=number,
                by=self.soudan,
            )
        case.refresh_from_db()
        self.assertEqual(case.review_on, days_ago(-60))
