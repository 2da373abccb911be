"""The referral loop seen from the receiving organisation (受け取ったつなぎ)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from cases.tests.helpers import days_ago, make_agency, make_person, open_case
from collaboration.consent.services import consent_record
from collaboration.models import Agency, AgencyCategory, Consent, InfoKind, Referral
from collaboration.referrals.services import (
    DECLINE_WITHOUT_REASON,
    DECLINED_NOTE,
    MEETING_DATE_MISSING,
    MEETING_IN_FUTURE,
    NOT_A_PARTY,
    RECEIVER_CANNOT_MOVE,
    referral_accept,
    referral_create,
    referral_set_state,
    states_for,
)
from collaboration.sharing.access import BASIS_REFERRAL_RECEIVED, disclosure_subject
from collaboration.sharing.disclosures import disclosure_record
from tsunagu.dates import wareki
from tsunagu.listing import PAGE_SIZE
from tsunagu.test import BaseTestCase


class ReceivedReferralWorld(BaseTestCase):
    """つなぐ市's window (soudan) refers 高橋 健太 to the 地域包括 that uses tsunagu (houkatsu)."""

    houkatsu_agency: Agency
    unlinked_agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.houkatsu_agency = make_agency(
            cls.soudan, organisation=cls.world.organisations["houkatsu"]
        )
        cls.unlinked_agency = make_agency(cls.soudan, name="つなぐ市北地域包括支援センター")

    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.referral = self.refer(self.case)

    def refer(self, case: Any, agency: Agency | None = None, **fields: Any) -> Referral:
        values: dict[str, Any] = {
            "organisation_id": case.organisation_id,
            "person_id": case.person_id,
            "agency_id": (agency or self.houkatsu_agency).pk,
            "purpose": "父親の介護保険の申請",
            "follow_up_on": days_ago(-14),
            "case": case,
            "by": self.soudan,
        }
        return referral_create(**(values | fields))

    def receiver_auditor(self) -> User:
        """A read-only login of the receiving organisation (no right to personal data)."""
        user = User.objects.create_user(
            username="houkatsu_kansa",
            password="x" * 20,
            display_name="包括 監査",
            organisation=self.world.organisations["houkatsu"],
        )
        StaffRole.objects.create(user=user, role=Role.AUDITOR)
        return user

    def incoming_url(self, referral: Referral | None = None) -> str:
        return f"/referrals/incoming/{(referral or self.referral).pk}/"


class ReceiverSeesTheReferralTests(ReceivedReferralWorld):
    def test_the_receiver_sees_who_is_referred_why_and_by_whom(self) -> None:
        self.login(self.houkatsu)
        response = self.client.get(self.incoming_url())
        self.assertContains(response, "高橋 健太")
        self.assertContains(response, "父親の介護保険の申請")
        self.assertContains(response, "つなぐ市 ひきこもり相談窓口")
        self.assertContains(response, "相談 花子")
        self.assertContains(response, wareki(self.referral.referred_on))
        self.assertContains(response, "打診中")

    def test_the_case_record_is_not_opened_before_the_referral_is_accepted(self) -> None:
        self.login(self.houkatsu)
        response = self.client.get(self.incoming_url())
        self.assertNotContains(response, f"/shared/cases/{self.case.pk}/")
        self.assertNotContains(response, f"/cases/{self.case.pk}/")
        self.assertEqual(self.client.get(f"/shared/cases/{self.case.pk}/").status_code, 404)
        self.assertEqual(self.client.get(f"/cases/{self.case.pk}/").status_code, 404)

    def test_each_view_is_a_disclosure_filed_under_the_person(self) -> None:
        self.login(self.houkatsu)
        self.client.get(self.incoming_url())
        [row] = self.audit_rows(
            action=AuditEvent.Action.DISCLOSE, subject=disclosure_subject(self.case.person_id)
        )
        self.assertEqual(row.actor, self.houkatsu)
        self.assertEqual(row.object_id, str(self.referral.pk))
        self.assertEqual(row.detail["basis"], BASIS_REFERRAL_RECEIVED)
        self.assertEqual(row.detail["info_kinds"], ["basic", "consultation"])
        [disclosure] = disclosure_record(self.case.person)
        self.assertEqual(disclosure.organisation, "つなぐ市中央地域包括支援センター")
        self.assertIn("つなぎ先としての確認", disclosure.basis)

    def test_a_restricted_person_shows_as_restricted_without_consent(self) -> None:
        person = make_person(self.window, "山田", "花", is_restricted=True)
        referral = self.refer(open_case(self.soudan, person, title="山田さんの支援"))
        self.login(self.houkatsu)
        response = self.client.get(self.incoming_url(referral))
        self.assertContains(response, f"制限対象者 #{person.pk}")
        self.assertNotContains(response, "山田 花")
        row = self.audit_rows(action=AuditEvent.Action.DISCLOSE)[-1]
        self.assertFalse(row.detail["identity"])

    def test_a_restricted_persons_name_is_shown_under_a_consent_covering_basic_info(self) -> None:
        person = make_person(self.window, "山田", "花", is_restricted=True)
        case = open_case(self.soudan, person, title="山田さんの支援")
        today = timezone.localdate()
        consent_record(
            case=case,
            given_by=Consent.GivenBy.PERSON,
            method=Consent.Method.SIGNATURE,
            purpose="地域包括との連携",
            organisation_ids=[],
            agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
            info_kinds=[InfoKind.BASIC],
            given_on=today,
            expires_on=today + timedelta(days=100),
            by=self.soudan,
        )
        referral = self.refer(case)
        self.login(self.houkatsu)
        self.assertContains(self.client.get(self.incoming_url(referral)), "山田 花")
        self.assertContains(self.client.get("/referrals/incoming/"), "山田 花")

    def test_another_town_gets_404_and_the_attempt_is_audited(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get(self.incoming_url()).status_code, 404)
        self.assertTrue(
            self.audit_rows(action=AuditEvent.Action.DENIED, object_id=str(self.referral.pk))
        )

    def test_the_sender_has_its_own_page_not_the_receivers(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get(self.incoming_url()).status_code, 404)

    def test_a_referral_to_an_agency_not_using_tsunagu_is_nobodys_incoming(self) -> None:
        referral = self.refer(self.case, agency=self.unlinked_agency)
        self.login(self.houkatsu)
        self.assertEqual(self.client.get(self.incoming_url(referral)).status_code, 404)

    def test_a_read_only_login_of_the_receiver_gets_403(self) -> None:
        self.login(self.receiver_auditor())
        self.assertEqual(self.client.get(self.incoming_url()).status_code, 403)


class QueryCounting(ReceivedReferralWorld):
    def queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured.captured_queries)

    def one_and_twenty(self, url: str, add: Callable[[], object]) -> tuple[int, int]:
        self.client.get(url)  # warm the session
        one = self.queries(url)
        for _ in range(19):
            add()
        twenty = self.queries(url)
        return one, twenty


class IncomingListTests(QueryCounting):
    url = "/referrals/incoming/"

    def set_state(self, referral: Referral, state: str) -> None:
        Referral.objects.filter(pk=referral.pk).update(state=state)

    def test_the_receiver_sees_the_open_referrals_made_to_it(self) -> None:
        done = self.refer(open_case(self.soudan, title="別の支援"), purpose="就労の相談")
        self.set_state(done, Referral.State.ENDED)
        self.refer(self.case, agency=self.unlinked_agency, purpose="ほかの包括への相談")
        self.login(self.houkatsu)
        response = self.client.get(self.url)
        self.assertContains(response, f'href="/referrals/incoming/{self.referral.pk}/"')
        self.assertContains(response, "父親の介護保険の申請")
        self.assertContains(response, "つなぐ市 ひきこもり相談窓口（相談 花子）")
        self.assertNotContains(response, "就労の相談")
        self.assertNotContains(response, "ほかの包括への相談")
        self.assertContains(response, "全1件中 1〜1件")

    def test_the_state_filter_shows_ended_ones_or_all(self) -> None:
        done = self.refer(open_case(self.soudan, title="別の支援"), purpose="就労の相談")
        self.set_state(done, Referral.State.ENDED)
        self.login(self.houkatsu)
        ended = self.client.get(self.url, {"state": "ended"})
        self.assertContains(ended, "就労の相談")
        self.assertNotContains(ended, "父親の介護保険の申請")
        self.assertContains(self.client.get(self.url, {"state": "all"}), "全2件中 1〜2件")
        wrong = self.client.get(self.url, {"state": "nonsense"})
        self.assertContains(wrong, "この条件は使わずに表示しています")
        self.assertContains(wrong, "父親の介護保険の申請")

    def test_sorted_by_the_day_referred_the_longest_waiting_first(self) -> None:
        older = self.refer(open_case(self.soudan, title="古い支援"), purpose="以前からの相談")
        Referral.objects.filter(pk=older.pk).update(referred_on=days_ago(10))
        self.login(self.houkatsu)
        content = self.client.get(self.url).content.decode()
        self.assertLess(content.index("以前からの相談"), content.index("父親の介護保険の申請"))
        reversed_content = self.client.get(self.url, {"sort": "-referred"}).content.decode()
        self.assertGreater(
            reversed_content.index("以前からの相談"), reversed_content.index("父親の介護保険の申請")
        )

    def test_the_list_is_paged(self) -> None:
        for number in range(PAGE_SIZE):
            self.refer(self.case, purpose=f"相談 {number}")
        self.login(self.houkatsu)
        self.assertContains(self.client.get(self.url), f"全{PAGE_SIZE + 1}件中 1〜{PAGE_SIZE}件")
        second = self.client.get(self.url, {"page": "2"})
        self.assertContains(second, f"全{PAGE_SIZE + 1}件中 {PAGE_SIZE + 1}〜{PAGE_SIZE + 1}件")

    def test_each_row_shown_is_a_disclosure_and_other_offices_see_none(self) -> None:
        self.login(self.houkatsu)
        self.client.get(self.url)
        [row] = self.audit_rows(action=AuditEvent.Action.DISCLOSE)
        self.assertEqual(
            (row.object_id, row.detail["basis"]), (str(self.referral.pk), BASIS_REFERRAL_RECEIVED)
        )
        self.login(self.minato)
        self.assertContains(self.client.get(self.url), "全0件")
        self.login(self.soudan)
        self.assertContains(self.client.get(self.url), "全0件")

    def test_a_read_only_login_gets_403(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_the_cost_is_the_same_for_1_and_20_rows(self) -> None:
        self.login(self.houkatsu)
        one, twenty = self.one_and_twenty(self.url, lambda: self.refer(self.case))
        self.assertEqual(one, twenty)


class ReceiverActionTests(ReceivedReferralWorld):
    def post(self, action: str, referral: Referral | None = None, **data: Any) -> Any:
        referral = referral or self.referral
        referral.refresh_from_db()
        return self.client.post(
            self.incoming_url(referral),
            {"action": action, "version": str(referral.version), **data},
        )

    def test_the_receiver_accepts_and_the_case_opens_to_it(self) -> None:
        self.login(self.houkatsu)
        response = self.post("accept")
        self.assertRedirects(response, self.incoming_url())
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.ACCEPTED)
        self.assertEqual(self.referral.version, 2)
        page = self.client.get(self.incoming_url())
        self.assertContains(page, f'href="/shared/cases/{self.case.pk}/"')
        self.assertEqual(self.client.get(f"/shared/cases/{self.case.pk}/").status_code, 200)
        update = self.audit_rows(action=AuditEvent.Action.UPDATE, object_id=str(self.referral.pk))
        self.assertEqual([row.actor for row in update], [self.houkatsu])

    def test_both_histories_say_who_and_which_organisation(self) -> None:
        self.login(self.houkatsu)
        self.post("accept")
        history = "受入（包括 和子・つなぐ市中央地域包括支援センター）"
        self.assertContains(self.client.get(self.incoming_url()), history)
        self.login(self.soudan)
        sender_page = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertContains(sender_page, history)
        self.assertContains(sender_page, "打診中（相談 花子・つなぐ市 ひきこもり相談窓口）")

    def test_declining_needs_a_reason_which_the_sender_reads(self) -> None:
        self.login(self.houkatsu)
        refused = self.post("decline", reason="  ")
        self.assertContains(refused, DECLINE_WITHOUT_REASON)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.PROPOSED)
        self.assertRedirects(self.post("decline", reason="担当地区の外のため"), self.incoming_url())
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.FAILED)
        self.assertEqual(self.referral.failed_reason, "担当地区の外のため")
        event = self.referral.events.last()
        assert event is not None
        self.assertEqual(event.note, f"{DECLINED_NOTE}: 担当地区の外のため")
        self.login(self.soudan)
        sender_page = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertContains(sender_page, "不成立（理由: 担当地区の外のため）")
        self.assertContains(sender_page, "つなぎ先がお断りしました: 担当地区の外のため")

    def test_the_first_meeting_is_recorded_with_its_date(self) -> None:
        self.login(self.houkatsu)
        self.post("accept")
        met_on = timezone.localdate()
        self.assertRedirects(self.post("connected", met_on=met_on.isoformat()), self.incoming_url())
        self.referral.refresh_from_db()
        self.assertEqual(
            (self.referral.state, self.referral.connected_on),
            (Referral.State.CONNECTED, met_on),
        )
        self.login(self.soudan)
        sender_page = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertContains(sender_page, f"初回面談 {wareki(met_on)}")

    def test_the_date_of_the_first_meeting_is_checked(self) -> None:
        self.login(self.houkatsu)
        self.assertContains(self.post("connected"), MEETING_DATE_MISSING)
        tomorrow = timezone.localdate() + timedelta(days=1)
        self.assertContains(self.post("connected", met_on=tomorrow.isoformat()), MEETING_IN_FUTURE)
        before = (self.referral.referred_on - timedelta(days=1)).isoformat()
        self.assertContains(self.post("connected", met_on=before), "つないだ日（")
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.PROPOSED)

    def test_a_move_that_cannot_follow_is_refused(self) -> None:
        self.login(self.houkatsu)
        self.post("decline", reason="対象外")
        response = self.post("accept")
        self.assertContains(response, "「不成立」から「受入」には変えられません。")
        self.assertNotContains(response, "受け入れる</button>")

    def test_the_receiver_may_not_end_a_referral(self) -> None:
        self.login(self.houkatsu)
        self.post("accept")
        self.post("connected", met_on=timezone.localdate().isoformat())
        self.referral.refresh_from_db()
        self.assertEqual(states_for(self.referral, self.houkatsu), ())
        self.assertEqual(states_for(self.referral, self.soudan), (Referral.State.ENDED,))
        with self.assertRaises(ValidationError) as refused:
            referral_set_state(
                referral=self.referral,
                state=Referral.State.ENDED,
                version=self.referral.version,
                by=self.houkatsu,
            )
        self.assertEqual(refused.exception.message_dict["state"], [RECEIVER_CANNOT_MOVE])

    def test_nobody_else_moves_it_even_through_the_service(self) -> None:
        with self.assertRaises(ValidationError) as refused:
            referral_accept(referral=self.referral, version=1, by=self.minato)
        self.assertEqual(refused.exception.messages, [NOT_A_PARTY])

    def test_a_stale_answer_is_refused(self) -> None:
        self.login(self.houkatsu)
        response = self.client.post(self.incoming_url(), {"action": "accept", "version": "0"})
        self.assertContains(response, "ほかの人が先にこのつなぎを更新しました。")

    def test_another_town_gets_404_and_a_read_only_login_403(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.post("accept").status_code, 404)
        self.login(self.receiver_auditor())
        self.assertEqual(self.post("accept").status_code, 403)
        self.login(self.kansa)
        sender_page = self.client.post(f"/referrals/{self.referral.pk}/", {"state": "ended"})
        self.assertEqual(sender_page.status_code, 403)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.PROPOSED)

    def test_the_sender_still_moves_its_referral(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            f"/referrals/{self.referral.pk}/",
            {"state": "accepted", "version": str(self.referral.version)},
        )
        self.assertRedirects(response, f"/referrals/{self.referral.pk}/")
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.state, Referral.State.ACCEPTED)


class SentListTests(QueryCounting):
    """/referrals/: the office's own referrals, open ones by the date to check on."""

    url = "/referrals/"

    def test_the_office_sees_its_open_referrals_by_the_date_to_check_on(self) -> None:
        later = self.refer(self.case, purpose="就労の相談", follow_up_on=days_ago(-30))
        done = self.refer(self.case, purpose="終わった相談")
        Referral.objects.filter(pk=done.pk).update(state=Referral.State.ENDED)
        self.login(self.douryou)
        response = self.client.get(self.url)
        content = response.content.decode()
        self.assertIn(f'href="/referrals/{self.referral.pk}/"', content)
        self.assertLess(content.index("父親の介護保険の申請"), content.index("就労の相談"))
        self.assertNotIn("終わった相談", content)
        self.assertContains(response, "全2件中 1〜2件")
        self.assertContains(response, '<a href="/referrals/incoming/">受け取ったつなぎ</a>')
        self.assertEqual(later.state, Referral.State.PROPOSED)

    def test_filters_by_state_agency_and_overdue(self) -> None:
        other = self.refer(self.case, agency=self.unlinked_agency, purpose="北の包括への相談")
        Referral.objects.filter(pk=other.pk).update(follow_up_on=days_ago(2))
        self.login(self.soudan)
        by_agency = self.client.get(self.url, {"agency": str(self.unlinked_agency.pk)})
        self.assertContains(by_agency, "北の包括への相談")
        self.assertNotContains(by_agency, "父親の介護保険の申請")
        overdue = self.client.get(self.url, {"overdue": "on"})
        self.assertContains(overdue, "北の包括への相談")
        self.assertContains(overdue, "確認日を過ぎています</span>")
        self.assertNotContains(overdue, "父親の介護保険の申請")
        Referral.objects.filter(pk=other.pk).update(state=Referral.State.FAILED)
        failed = self.client.get(self.url, {"state": "failed"})
        self.assertContains(failed, "北の包括への相談")
        self.assertNotContains(failed, "父親の介護保険の申請")

    def test_the_receiver_and_another_town_see_none_of_it(self) -> None:
        for user in (self.houkatsu, self.minato):
            self.login(user)
            self.assertContains(self.client.get(self.url), "全0件")

    def test_a_read_only_login_gets_403(self) -> None:
        self.login(self.kansa)
        self.assertEqual(self.client.get(self.url).status_code, 403)

    def test_the_list_read_is_audited_with_the_rows_shown(self) -> None:
        self.login(self.soudan)
        self.client.get(self.url)
        row = self.audit_rows(action=AuditEvent.Action.READ, object_type="collaboration.referral")[
            -1
        ]
        self.assertEqual(row.detail["ids"], [self.referral.pk])

    def test_the_cost_is_the_same_for_1_and_20_rows(self) -> None:
        self.login(self.soudan)
        one, twenty = self.one_and_twenty(
            self.url,
            lambda: self.refer(open_case(self.soudan, make_person(self.window, "佐藤", "翔"))),
        )
        self.assertEqual(one, twenty)

    def test_the_day_page_links_to_every_referral(self) -> None:
        self.login(self.soudan)
        self.assertContains(
            self.client.get("/consultations/"), '<a href="/referrals/">すべてのつなぎ</a>'
        )


class SenderPageTests(ReceivedReferralWorld):
    def test_the_sender_is_told_the_receiver_answers_in_tsunagu(self) -> None:
        self.login(self.soudan)
        page = self.client.get(f"/referrals/{self.referral.pk}/")
        self.assertContains(page, "受け取ったつなぎ」で記録し")
        other = self.refer(self.case, agency=self.unlinked_agency)
        self.assertNotContains(self.client.get(f"/referrals/{other.pk}/"), "受け取ったつなぎ")
