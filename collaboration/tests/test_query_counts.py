"""Pages of collaboration whose cost must not grow with their rows: the meeting pages with agenda
items of other organisations, and the list of cases other organisations share."""

from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from cases.models import Case
from cases.tests.helpers import days_ago, make_agency
from collaboration.meetings.services import member_acknowledge
from collaboration.models import AgencyCategory, AgendaItem, Meeting, Referral
from collaboration.referrals.services import referral_create, referral_set_state
from collaboration.sharing import views
from collaboration.tests.test_meetings import MeetingTestCase

K = Meeting.Kind


class MeetingPagesStayFlat(MeetingTestCase):
    """The 地域包括 worker, a member, sees items of the window's cases (another organisation)."""

    def queries(self, url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        return len(captured.captured_queries)

    def add_items(self, meeting: Meeting, count: int) -> list[AgendaItem]:
        items = []
        for _ in range(count):
            case = self.a_case()
            self.consent(case, agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT])
            items.append(self.on_agenda(meeting, case))
        return items

    def counts_for(self, kind: str, viewer: User) -> tuple[int, int]:
        meeting = self.convene(kind)
        self.member(meeting, self.houkatsu)
        if meeting.is_statutory:
            member_acknowledge(member=meeting.members.get(user=self.houkatsu), by=self.houkatsu)
        self.login(viewer)
        url = f"/meetings/{meeting.pk}/"
        self.add_items(meeting, 1)
        self.client.get(url)  # warm the session
        one = self.queries(url)
        self.add_items(meeting, 9)
        return one, self.queries(url)

    def test_a_coordination_meeting_page_costs_the_same_for_1_and_10_items(self) -> None:
        one, ten = self.counts_for(K.COORDINATION, self.houkatsu)
        self.assertEqual(one, ten)

    def test_a_multiagency_meeting_page_costs_the_same_for_1_and_10_items(self) -> None:
        one, ten = self.counts_for(K.MULTIAGENCY, self.houkatsu)
        self.assertEqual(one, ten)

    def test_a_support_meeting_page_costs_the_same_for_1_and_10_items(self) -> None:
        one, ten = self.counts_for(K.SUPPORT_MEETING, self.houkatsu)
        self.assertEqual(one, ten)

    def test_the_convener_sees_the_same_page_cost_for_1_and_10_items(self) -> None:
        one, ten = self.counts_for(K.COORDINATION, self.chousei)
        self.assertEqual(one, ten)

    def test_the_items_of_the_other_organisation_open_on_the_consent(self) -> None:
        meeting = self.convene(K.COORDINATION)
        self.member(meeting, self.houkatsu)
        items = self.add_items(meeting, 3)
        self.login(self.houkatsu)
        page = self.client.get(f"/meetings/{meeting.pk}/").content.decode()
        for item in items:
            self.assertIn(self.material_url(item), page)


class SharedListStaysFlat(MeetingTestCase):
    """The 自立相談支援センター worker sees the window's cases referred to it and accepted."""

    def refer_accepted(self, count: int) -> list[Case]:
        agency = make_agency(
            self.soudan,
            name="つなぐ市自立相談支援センター",
            category=AgencyCategory.SELF_RELIANCE_OFFICE,
            organisation=self.world.organisations["jiritsu"],
        )
        cases = []
        for _ in range(count):
            case = self.a_case()
            case.team.add(self.houkatsu)
            self.consent(case, agency_categories=[AgencyCategory.SELF_RELIANCE_OFFICE])
            referral = referral_create(
                organisation_id=case.organisation_id,
                person_id=case.person_id or 0,
                agency_id=agency.pk,
                purpose="家計の相談",
                follow_up_on=days_ago(-14),
                case=case,
                by=self.soudan,
            )
            referral_set_state(
                referral=referral,
                state=Referral.State.ACCEPTED,
                version=referral.version,
                by=self.soudan,
            )
            cases.append(case)
        return cases

    def queries(self) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = self.client.get("/shared/")
        self.assertEqual(response.status_code, 200)
        return len(captured.captured_queries), response.content.decode()

    def test_the_shared_list_costs_the_same_for_1_and_10_cases(self) -> None:
        receiver = self.world.staff["jiritsu"]
        self.login(receiver)
        first = self.refer_accepted(1)
        self.client.get("/shared/")
        one, _ = self.queries()
        more = self.refer_accepted(9)
        ten, page = self.queries()
        self.assertEqual(one, ten)
        for case in [*first, *more]:
            self.assertIn(f"/shared/cases/{case.pk}/", page)

    def test_the_shared_list_is_paged(self) -> None:
        receiver = self.world.staff["jiritsu"]
        self.login(receiver)
        self.refer_accepted(4)
        with mock.patch.object(views, "SHARED_PAGE_SIZE", 3):
            first = self.client.get("/shared/").content.decode()
            second = self.client.get("/shared/?page=2").content.decode()
        self.assertEqual(first.count("/shared/cases/"), 3)
        self.assertEqual(second.count("/shared/cases/"), 1)
        self.assertIn("1 / 2 ページ", first)
