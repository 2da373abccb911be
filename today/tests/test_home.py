"""The home page is today's work: each role sees what is due, each entry links to its record,
the page costs the same number of queries whatever the size of the office."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Activity, Case, Stage
from cases.services import activity_add, plan_save
from cases.tests.helpers import days_ago, follow_up_passed, make_agency, open_case
from collaboration.models import AdviceRequest
from collaboration.referrals.services import referral_create
from consultations.models import Consultation, ConsultationDraft
from today.work import todays_work
from tsunagu.test import BaseTestCase


def section(response: object, key: str) -> object:
    sections = {s.key: s for s in response.context["work"].sections}  # type: ignore[attr-defined]
    return sections[key]


class HomeForWorkerTests(BaseTestCase):
    def test_an_overdue_contact_is_on_the_home_with_a_link_to_its_case(self) -> None:
        case = open_case(self.soudan, title="連絡が途絶えているケース", opened_days_ago=45)
        self.login(self.soudan)
        response = self.client.get("/")
        contacts = section(response, "contacts")
        self.assertEqual(contacts.count, 1)  # type: ignore[attr-defined]
        self.assertContains(response, f'<a href="/cases/{case.pk}/">連絡が途絶えているケース</a>')
        self.assertContains(response, "（過ぎています）")

    def test_the_next_step_of_the_latest_activity_appears_and_an_older_one_does_not(self) -> None:
        case = open_case(self.soudan, title="次の予定のあるケース", opened_days_ago=20)
        for days, next_on in ((10, days_ago(-1)), (2, days_ago(-3))):
            activity_add(
                case=case,
                data={
                    "occurred_at": timezone.now() - timedelta(days=days),
                    "kind": Activity.Kind.PHONE,
                    "content": "母と電話。",
                    "next_action": "手紙を届ける",
                    "next_action_on": next_on,
                },
                by=self.soudan,
            )
        self.login(self.soudan)
        steps = section(self.client.get("/"), "next_steps")
        self.assertEqual(steps.count, 1)  # type: ignore[attr-defined]
        self.assertEqual(steps.entries[0].when, days_ago(-3))  # type: ignore[attr-defined]

    def test_todays_consultations_and_drafts_are_listed(self) -> None:
        case = open_case(self.soudan, opened_days_ago=0)
        consultation = Consultation.objects.create(
            organisation_id=self.window.pk,
            received_at=timezone.now(),
            channel="phone",
            consulter_type="family",
            main_concern="hikikomori",
            categories=["hikikomori"],
            disposition="continue",
            person=case.person,
            case=case,
            taken_by=self.soudan,
        )
        draft = ConsultationDraft.objects.create(user=self.soudan, data={"summary": ["途中"]})
        ConsultationDraft.objects.create(user=self.douryou, data={"summary": ["同僚の下書き"]})
        self.login(self.soudan)
        response = self.client.get("/")
        self.assertEqual(section(response, "consultations").count, 2)  # type: ignore[attr-defined]
        self.assertContains(response, f"/consultations/new/?draft={draft.pk}")
        self.assertContains(response, f"/consultations/{consultation.pk}/")

    def test_a_plan_review_and_an_unmet_person_are_counted(self) -> None:
        case = open_case(self.soudan, opened_days_ago=30)
        plan_save(
            case=case,
            data={"long_term_goal": "外出", "short_term_goals": "面談", "review_on": days_ago(0)},
            actions=[],
            based_on=0,
            by=self.soudan,
        )
        self.login(self.soudan)
        response = self.client.get("/")
        self.assertEqual(section(response, "reviews").count, 1)  # type: ignore[attr-defined]
        self.assertEqual(section(response, "unmet").count, 1)  # type: ignore[attr-defined]

    def test_referrals_waiting_for_an_answer_and_incoming_ones(self) -> None:
        agency = make_agency(self.soudan)
        agency.organisation = self.houkatsu.organisation
        agency.save()
        case = open_case(self.soudan, opened_days_ago=5)
        referral = referral_create(
            organisation_id=self.window.pk,
            person_id=case.person_id or 0,
            agency_id=agency.pk,
            purpose="介護保険の申請",
            follow_up_on=days_ago(-7),
            case=case,
            by=self.soudan,
        )
        self.login(self.soudan)
        waiting = section(self.client.get("/"), "referrals_waiting")
        self.assertEqual(waiting.count, 1)  # type: ignore[attr-defined]
        self.login(self.houkatsu)
        incoming = section(self.client.get("/"), "referrals_incoming")
        self.assertEqual(incoming.count, 1)  # type: ignore[attr-defined]
        self.assertIn(str(referral.pk), incoming.entries[0].label)  # type: ignore[attr-defined]
        # the person's name is not on the receiver's home before the referral is accepted
        self.assertNotContains(self.client.get("/"), str(case.person))

    def test_an_answered_advice_request_is_on_the_requesters_home(self) -> None:
        case = open_case(self.soudan, opened_days_ago=5)
        centre = self.world.organisations["centre"]
        AdviceRequest.objects.create(
            organisation_id=self.window.pk,
            centre=centre,
            case=case,
            question="関わり方について",
            state=AdviceRequest.State.ANSWERED,
            requested_by=self.soudan,
        )
        self.login(self.soudan)
        self.assertEqual(section(self.client.get("/"), "advice_answered").count, 1)  # type: ignore[attr-defined]

    def test_another_towns_cases_never_appear(self) -> None:
        open_case(self.minato, title="みなと町のケース", opened_days_ago=60)
        self.login(self.soudan)
        self.assertNotContains(self.client.get("/"), "みなと町のケース")

    def test_the_home_is_audited_with_the_cases_shown(self) -> None:
        case = open_case(self.soudan, opened_days_ago=45)
        self.login(self.soudan)
        self.client.get("/")
        row = self.audit_rows(actor=self.soudan, object_type="cases.case", action="read")[-1]
        self.assertEqual(row.detail["ids"], [case.pk])

    def test_the_number_of_queries_does_not_grow_with_the_number_of_cases(self) -> None:
        self.login(self.soudan)
        self.client.get("/")
        counts = []
        for total in (1, 12):
            Case.objects.filter(lead_worker=self.soudan).update(stage=Stage.CLOSED)
            for index in range(total):
                case = open_case(self.soudan, title=f"ケース{total}-{index}", opened_days_ago=60)
                follow_up_passed(
                    referral_create(
                        organisation_id=self.window.pk,
                        person_id=case.person_id or 0,
                        agency_id=make_agency(self.soudan, name=f"機関{total}-{index}").pk,
                        purpose="相談",
                        follow_up_on=days_ago(0),
                        case=case,
                        by=self.soudan,
                    ),
                    days_ago(3),
                )
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get("/")
            self.assertEqual(response.status_code, 200)
            counts.append(len(queries))
        self.assertEqual(counts[0], counts[1])
        self.assertLess(len(response.content), 60_000)


class HomeForOtherRolesTests(BaseTestCase):
    def test_the_statistics_clerk_sees_no_personal_sections(self) -> None:
        open_case(self.soudan, title="連絡が途絶えているケース", opened_days_ago=45)
        self.login(self.toukei)
        response = self.client.get("/")
        self.assertEqual(response.context["work"].sections, [])
        self.assertNotContains(response, "連絡が途絶えているケース")

    def test_the_menu_counts_come_after_the_page(self) -> None:
        open_case(self.soudan, opened_days_ago=45)
        self.login(self.soudan)
        page = self.client.get("/cases/")
        self.assertContains(page, 'hx-get="/menu/counts/"')
        counts = self.client.get("/menu/counts/")
        self.assertContains(counts, 'id="menu-count-home" hx-swap-oob="true"')
        self.assertContains(counts, "期限の来ている仕事</span>1<")
        self.login(self.toukei)
        self.assertNotContains(self.client.get("/menu/counts/"), 'class="count"')

    def test_the_gathering_answers_for_a_user_without_an_organisation(self) -> None:
        self.assertEqual(todays_work(self.kansa).sections, [])


class RestrictedPersonOnTheHomeTests(BaseTestCase):
    def test_a_restricted_persons_case_is_named_by_number_outside_the_persons_team(self) -> None:
        case = open_case(self.soudan, title="佐藤 花さんの支援", opened_days_ago=45)
        person = case.person
        assert person is not None
        person.is_restricted = True
        person.save()
        person.team.clear()
        self.login(self.soudan)
        response = self.client.get("/")
        self.assertContains(response, f"ケース #{case.pk}（制限対象者）")
        self.assertNotContains(response, "佐藤 花さんの支援")


class WorkReadinessLimitTests(BaseTestCase):
    def test_an_enrolment_near_its_one_year_limit_is_on_the_home(self) -> None:
        from participation.models import WorkReadinessEnrolment, one_year_from

        near = open_case(self.soudan, title="就労準備のケース", opened_days_ago=400)
        far = open_case(self.douryou, title="始めたばかりのケース", opened_days_ago=30)
        for case, started in ((near, days_ago(340)), (far, days_ago(20))):
            # The enrolment (participation) is what the home reads, not the plan's checkbox.
            WorkReadinessEnrolment.objects.create(
                case=case, provider=self.window, started_on=started, created_by=case.lead_worker
            )
        self.login(self.soudan)
        limits = section(self.client.get("/"), "work_readiness")
        self.assertEqual(limits.count, 1)  # type: ignore[attr-defined]
        entry = limits.entries[0]  # type: ignore[attr-defined]
        self.assertEqual(
            (entry.label, entry.when), ("就労準備のケース", one_year_from(days_ago(340)))
        )
