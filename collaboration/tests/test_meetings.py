"""Meetings (会議): who sees a meeting and its agenda material, the 支援会議 confidentiality step,
the 重層的支援会議 consent rule, and the disclosures they log."""

from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.helpers import days_ago, make_person, open_case
from collaboration.meetings.services import (
    ALREADY_MEMBER,
    CASE_CONFERENCE_OTHER_ORGANISATION,
    CASE_OF_OTHER_ORGANISATION,
    MEMBER_OUTSIDE_AREA,
    MEMBER_WITHOUT_RIGHT,
    NO_MULTIAGENCY_CONSENT,
    agenda_add,
    meeting_create,
    meetings_for_case,
    member_acknowledge,
    member_add,
)
from collaboration.models import AgendaItem, Consent, Meeting, MeetingMember
from tsunagu.templatetags.japanese_dates import wareki_datetime
from tsunagu.test import BaseTestCase
from tsunagu.tests.record_pages import RecordPage, read_record_page

K = Meeting.Kind
MATERIAL = "母親（80代）の介護と本人の生活について。本人は昼夜逆転、家計は年金のみ。"


class MeetingTestCase(BaseTestCase):
    chousei: User
    centre: User
    supporter: User
    ibasho: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        for key in ("chousei", "centre", "supporter", "ibasho"):
            setattr(cls, key, cls.world.staff[key])

    def convene(self, kind: str = K.SUPPORT_MEETING, *, held_days_ago: int = 0) -> Meeting:
        return meeting_create(
            kind=kind,
            title="4月の会議",
            held_at=timezone.now() - timedelta(days=held_days_ago),
            place="つなぐ市役所 3階会議室",
            by=self.chousei,
        )

    def a_case(self, **person_fields: Any) -> Case:
        person = make_person(self.window, "高橋", "健太", **person_fields)
        return open_case(self.soudan, person, title="高橋 健太さんの支援")

    def consent(self, case: Case, *, multiagency: bool = True, **fields: Any) -> Consent:
        values: dict[str, Any] = {
            "organisation": self.window,
            "person_id": case.person_id,
            "case": case,
            "given_by": Consent.GivenBy.PERSON,
            "method": Consent.Method.SIGNATURE,
            "purpose": "関係機関と協力して支援するため",
            "info_kinds": ["basic", "consultation"],
            "allows_multiagency_meeting": multiagency,
            "given_on": days_ago(10),
            "expires_on": days_ago(-180),
            "recorded_by": self.soudan,
        }
        values.update(fields)
        return Consent.objects.create(**values)

    def member(self, meeting: Meeting, user: User) -> MeetingMember:
        return member_add(meeting=meeting, user=user, by=self.chousei)

    def on_agenda(self, meeting: Meeting, case: Case) -> AgendaItem:
        return agenda_add(meeting=meeting, case=case, material=MATERIAL, by=self.chousei)

    def material_url(self, item: AgendaItem) -> str:
        return f"/meetings/{item.meeting_id}/agenda/{item.pk}/"

    def status(self, user: User, url: str) -> int:
        self.client.force_login(user)
        return self.client.get(url).status_code


class ConveningTests(MeetingTestCase):
    def test_the_coordinator_convenes_a_meeting_and_becomes_its_first_member(self) -> None:
        self.login(self.chousei)
        response = self.client.post(
            "/meetings/new/",
            {
                "kind": K.SUPPORT_MEETING,
                "title": "5月の支援会議",
                "held_at": "2025-05-01T14:30",
                "place": "",
                "online": "on",
            },
        )
        meeting = Meeting.objects.get()
        self.assertRedirects(response, f"/meetings/{meeting.pk}/")
        self.assertEqual(
            (meeting.title, meeting.online, meeting.organisation),
            ("5月の支援会議", True, self.window),
        )
        self.assertEqual([m.user for m in meeting.members.all()], [self.chousei])
        (row,) = self.audit_rows(
            action=AuditEvent.Action.CREATE, object_type="collaboration.meeting"
        )
        self.assertEqual(row.detail["fields"], ["held_at", "kind", "online", "title"])

    def test_a_meeting_needs_a_place_or_online(self) -> None:
        self.login(self.chousei)
        response = self.client.post(
            "/meetings/new/",
            {"kind": K.MULTIAGENCY, "title": "会議", "held_at": "2025-05-01T14:30"},
        )
        self.assertContains(response, "場所を入力するか、オンラインを選んでください。")
        self.assertFalse(Meeting.objects.exists())

    def test_only_the_coordinator_may_convene(self) -> None:
        for user in (
            self.soudan,
            self.houkatsu,
            self.toukei,
            self.kansa,
            self.centre,
            self.supporter,
        ):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, "/meetings/new/"), 403)
        self.assertEqual(self.status(self.chousei, "/meetings/new/"), 200)

    def test_the_list_shows_my_organisations_meetings_and_those_i_am_a_member_of(self) -> None:
        meeting = self.convene()
        self.login(self.soudan)
        self.assertContains(self.client.get("/meetings/"), "4月の会議")
        self.login(self.houkatsu)
        self.assertNotContains(self.client.get("/meetings/"), "4月の会議")
        self.member(meeting, self.houkatsu)
        self.assertContains(self.client.get("/meetings/"), "4月の会議")
        self.login(self.minato)
        self.assertNotContains(self.client.get("/meetings/"), "4月の会議")

    def test_the_list_needs_the_right_to_see_personal_data(self) -> None:
        for user in (self.toukei, self.kansa, self.supporter, self.ibasho):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, "/meetings/"), 403)


class MeetingVisibilityTests(MeetingTestCase):
    def setUp(self) -> None:
        self.meeting = self.convene()
        self.url = f"/meetings/{self.meeting.pk}/"

    def test_the_convening_office_sees_the_meeting(self) -> None:
        for user in (self.chousei, self.soudan, self.douryou):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, self.url), 200)

    def test_other_organisations_get_404_unless_members(self) -> None:
        for user in (self.houkatsu, self.minato, self.centre, self.supporter, self.ibasho):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, self.url), 404)
        denied = self.audit_rows(
            action=AuditEvent.Action.DENIED, object_type="collaboration.meeting"
        )
        self.assertEqual(len(denied), 5)

    def test_read_only_roles_of_the_office_get_403(self) -> None:
        for user in (self.toukei, self.kansa):
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, self.url), 403)

    def test_a_member_of_another_organisation_sees_the_meeting(self) -> None:
        self.member(self.meeting, self.houkatsu)
        self.member(self.meeting, self.centre)
        self.assertEqual(self.status(self.houkatsu, self.url), 200)
        self.assertEqual(self.status(self.centre, self.url), 200)


class MemberTests(MeetingTestCase):
    def test_the_coordinator_chooses_an_organisation_then_one_of_its_staff(self) -> None:
        meeting = self.convene()
        self.login(self.chousei)
        houkatsu_org = self.world.organisations["houkatsu"]
        page = self.client.get(f"/meetings/{meeting.pk}/members/?organisation={houkatsu_org.pk}")
        self.assertContains(page, "包括 和子")
        self.assertNotContains(page, "港 一")
        response = self.client.post(
            f"/meetings/{meeting.pk}/members/",
            {"organisation": houkatsu_org.pk, "user": self.houkatsu.pk},
        )
        self.assertRedirects(response, f"/meetings/{meeting.pk}/members/")
        self.assertTrue(meeting.members.filter(user=self.houkatsu).exists())

    def test_a_case_conference_takes_only_staff_of_the_convening_organisation(self) -> None:
        meeting = self.convene(K.CASE_CONFERENCE)
        with self.assertRaisesMessage(ValidationError, CASE_CONFERENCE_OTHER_ORGANISATION):
            self.member(meeting, self.houkatsu)
        self.member(meeting, self.soudan)
        self.login(self.chousei)
        page = self.client.get(f"/meetings/{meeting.pk}/members/")
        self.assertEqual(
            [label for _, label in page.context["form"].fields["organisation"].choices][1:],
            ["つなぐ市 ひきこもり相談窓口"],
        )

    def test_other_towns_staff_read_only_roles_and_members_already_in_are_refused(self) -> None:
        meeting = self.convene()
        for user, message in (
            (self.minato, MEMBER_OUTSIDE_AREA),
            (self.toukei, MEMBER_WITHOUT_RIGHT),
            (self.chousei, ALREADY_MEMBER),
        ):
            with (
                self.subTest(user=user.username),
                self.assertRaisesMessage(ValidationError, message),
            ):
                self.member(meeting, user)
        self.assertEqual(meeting.members.count(), 1)

    def test_only_the_convening_coordinator_adds_members(self) -> None:
        meeting = self.convene()
        self.member(meeting, self.houkatsu)
        url = f"/meetings/{meeting.pk}/members/"
        self.assertEqual(self.status(self.soudan, url), 403)
        self.assertEqual(self.status(self.houkatsu, url), 403)
        self.assertEqual(self.status(self.minato, url), 404)


class SupportMeetingTests(MeetingTestCase):
    """支援会議: no consent needed; a partner sees material only after the confidentiality step."""

    def setUp(self) -> None:
        self.meeting = self.convene(K.SUPPORT_MEETING)
        self.case = self.a_case()
        self.item = self.on_agenda(self.meeting, self.case)
        self.member(self.meeting, self.houkatsu)

    def test_a_case_is_put_on_the_agenda_without_consent(self) -> None:
        self.assertIsNone(self.item.consent)

    def test_before_acknowledging_the_partner_sees_the_step_and_no_material(self) -> None:
        self.login(self.houkatsu)
        page = self.client.get(f"/meetings/{self.meeting.pk}/")
        self.assertContains(page, "守秘義務を確認しました")
        self.assertContains(page, "社会福祉法第106条の6")
        self.assertContains(page, "生活困窮者自立支援法第9条")
        self.assertNotContains(page, "高橋")
        self.assertNotContains(page, self.material_url(self.item))
        response = self.client.get(self.material_url(self.item))
        self.assertEqual(response.status_code, 404)
        self.assertNotContains(response, MATERIAL[:10], status_code=404)
        (denied,) = self.audit_rows(
            action=AuditEvent.Action.DENIED, object_type="collaboration.agendaitem"
        )
        self.assertEqual(denied.detail["reason"], "no_sharing_basis")
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DISCLOSE), [])

    def test_after_acknowledging_the_partner_sees_the_material_and_the_disclosure_is_logged(
        self,
    ) -> None:
        self.login(self.houkatsu)
        response = self.client.post(f"/meetings/{self.meeting.pk}/acknowledge/")
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        member = self.meeting.members.get(user=self.houkatsu)
        self.assertIsNotNone(member.confidentiality_acknowledged_at)
        (acknowledged,) = self.audit_rows(
            action=AuditEvent.Action.UPDATE, object_type="collaboration.meetingmember"
        )
        self.assertEqual(acknowledged.detail["fields"], ["confidentiality_acknowledged_at"])
        page = self.client.get(f"/meetings/{self.meeting.pk}/")
        self.assertContains(page, self.material_url(self.item))
        self.assertContains(page, "確認済み")
        response = self.client.get(self.material_url(self.item))
        self.assertContains(response, MATERIAL)
        self.assertContains(response, "高橋 健太")
        self.assertContains(response, "支援会議（会議 #")
        (disclosure,) = self.audit_rows(action=AuditEvent.Action.DISCLOSE)
        self.assertEqual(disclosure.detail["basis"], "meeting")
        self.assertEqual(disclosure.detail["basis_id"], self.meeting.pk)
        self.assertEqual(disclosure.subject, f"person:{self.case.person_id}")
        self.assertEqual(disclosure.object_id, str(self.item.pk))
        self.assertEqual(disclosure.actor, self.houkatsu)

    def test_a_restricted_persons_name_is_not_shown_to_the_partner(self) -> None:
        case = open_case(
            self.soudan, make_person(self.window, "佐藤", "花", is_restricted=True), title="ケースA"
        )
        item = self.on_agenda(self.meeting, case)
        member_acknowledge(member=self.meeting.members.get(user=self.houkatsu), by=self.houkatsu)
        self.login(self.houkatsu)
        response = self.client.get(self.material_url(item))
        self.assertContains(response, "制限対象者")
        self.assertNotContains(response, "佐藤")
        self.assertEqual(
            self.audit_rows(action=AuditEvent.Action.DISCLOSE)[0].detail["identity"], False
        )

    @override_settings(SUPPORT_MEETING_MATERIAL_DAYS=30)
    def test_the_material_closes_thirty_days_after_the_meeting(self) -> None:
        member_acknowledge(member=self.meeting.members.get(user=self.houkatsu), by=self.houkatsu)
        Meeting.objects.filter(pk=self.meeting.pk).update(
            held_at=timezone.now() - timedelta(days=31)
        )
        self.assertEqual(self.status(self.houkatsu, self.material_url(self.item)), 404)
        Meeting.objects.filter(pk=self.meeting.pk).update(
            held_at=timezone.now() - timedelta(days=29)
        )
        self.assertEqual(self.status(self.houkatsu, self.material_url(self.item)), 200)

    def test_the_convening_office_reads_its_own_case_without_a_disclosure(self) -> None:
        self.login(self.douryou)
        response = self.client.get(self.material_url(self.item))
        self.assertContains(response, MATERIAL)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DISCLOSE), [])
        read = self.audit_rows(
            action=AuditEvent.Action.READ, object_type="collaboration.agendaitem"
        )
        self.assertEqual(read[0].detail["fields"], ["case", "material"])

    def test_non_members_of_other_organisations_and_read_only_roles_never_see_the_material(
        self,
    ) -> None:
        member_acknowledge(member=self.meeting.members.get(user=self.houkatsu), by=self.houkatsu)
        url = self.material_url(self.item)
        expected = {self.minato: 404, self.centre: 404, self.supporter: 404, self.ibasho: 404}
        expected |= {self.toukei: 403, self.kansa: 403}
        for user, status in expected.items():
            with self.subTest(user=user.username):
                self.assertEqual(self.status(user, url), status)

    def test_a_partner_not_a_member_gets_404(self) -> None:
        MeetingMember.objects.filter(meeting=self.meeting, user=self.houkatsu).delete()
        self.assertEqual(self.status(self.houkatsu, f"/meetings/{self.meeting.pk}/"), 404)
        self.assertEqual(self.status(self.houkatsu, self.material_url(self.item)), 404)

    def test_an_item_of_another_meeting_is_not_found_through_this_one(self) -> None:
        other = self.convene()
        self.assertEqual(
            self.status(self.soudan, f"/meetings/{other.pk}/agenda/{self.item.pk}/"), 404
        )

    def test_only_a_case_of_the_adders_own_organisation_goes_on_the_agenda(self) -> None:
        minato_case = open_case(self.minato, make_person(self.minato_window, "港", "次郎"))
        with self.assertRaisesMessage(ValidationError, CASE_OF_OTHER_ORGANISATION):
            self.on_agenda(self.meeting, minato_case)
        self.login(self.chousei)
        response = self.client.post(
            f"/meetings/{self.meeting.pk}/agenda/new/",
            {"case": minato_case.pk, "material": "資料"},
        )
        self.assertContains(response, "ケースは一覧にあるものから選んでください。")
        self.assertEqual(self.meeting.agenda.count(), 1)

    def test_a_member_of_another_organisation_puts_its_own_case_on_the_agenda(self) -> None:
        houkatsu_org = self.world.organisations["houkatsu"]
        case = open_case(self.houkatsu, make_person(houkatsu_org, "鈴木", "一"), title="鈴木さん")
        self.login(self.houkatsu)
        page = self.client.get(f"/meetings/{self.meeting.pk}/agenda/new/")
        self.assertContains(page, "鈴木さん")
        self.assertNotContains(page, "高橋 健太さんの支援")
        response = self.client.post(
            f"/meetings/{self.meeting.pk}/agenda/new/", {"case": case.pk, "material": "資料"}
        )
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        self.assertTrue(self.meeting.agenda.filter(case=case).exists())

    def test_same_office_staff_who_are_not_members_may_not_add_to_the_agenda(self) -> None:
        self.assertEqual(self.status(self.soudan, f"/meetings/{self.meeting.pk}/agenda/new/"), 403)

    def test_the_case_page_lists_the_meetings_of_the_case(self) -> None:
        meetings = meetings_for_case(self.case, self.chousei)
        self.assertEqual(meetings, [self.meeting])
        self.assertEqual(meetings_for_case(self.case, self.minato), [])
        html = render_to_string(
            "collaboration/meetings/_case_meetings.html",
            {"case": self.case, "case_meetings": meetings},
        )
        self.assertIn("会議（1件）", html)
        self.assertIn(f'href="/meetings/{self.meeting.pk}/">支援会議「4月の会議」</a>', html)


class MultiagencyMeetingTests(MeetingTestCase):
    """重層的支援会議: only cases with a valid consent that allows it; the consent is the basis."""

    def setUp(self) -> None:
        self.meeting = self.convene(K.MULTIAGENCY)
        self.member(self.meeting, self.houkatsu)
        self.case = self.a_case()

    def add_by_page(self) -> Any:
        self.login(self.chousei)
        return self.client.post(
            f"/meetings/{self.meeting.pk}/agenda/new/", {"case": self.case.pk, "material": MATERIAL}
        )

    def test_a_case_without_consent_is_refused_with_the_reason(self) -> None:
        response = self.add_by_page()
        self.assertContains(response, "重層的支援会議の議題にできません。")
        self.assertContains(response, "有効な同意がありません")
        self.assertFalse(AgendaItem.objects.exists())

    def test_a_consent_that_does_not_allow_this_meeting_withdrawn_or_expired_is_refused(
        self,
    ) -> None:
        cases = {
            "not for this meeting": {"multiagency": False},
            "withdrawn": {"withdrawn_at": timezone.now()},
            "expired": {"expires_on": days_ago(1)},
        }
        for label, fields in cases.items():
            with self.subTest(label):
                consent = self.consent(self.case, **fields)
                with self.assertRaisesMessage(ValidationError, NO_MULTIAGENCY_CONSENT):
                    self.on_agenda(self.meeting, self.case)
                consent.delete()

    def test_with_consent_the_case_goes_on_the_agenda_and_the_consent_is_stored(self) -> None:
        consent = self.consent(self.case)
        response = self.add_by_page()
        self.assertRedirects(response, f"/meetings/{self.meeting.pk}/")
        item = AgendaItem.objects.get()
        self.assertEqual(item.consent, consent)

    def test_the_partner_member_sees_the_material_on_the_consent(self) -> None:
        consent = self.consent(self.case)
        item = self.on_agenda(self.meeting, self.case)
        self.login(self.houkatsu)
        response = self.client.get(self.material_url(item))
        self.assertContains(response, MATERIAL)
        self.assertContains(response, f"本人の同意（同意 #{consent.pk}）")
        (disclosure,) = self.audit_rows(action=AuditEvent.Action.DISCLOSE)
        self.assertEqual(
            (disclosure.detail["basis"], disclosure.detail["basis_id"]), ("consent", consent.pk)
        )

    def test_a_consent_withdrawn_during_the_meeting_closes_the_material_at_once(self) -> None:
        consent = self.consent(self.case)
        item = self.on_agenda(self.meeting, self.case)
        self.assertEqual(self.status(self.houkatsu, self.material_url(item)), 200)
        Consent.objects.filter(pk=consent.pk).update(withdrawn_at=timezone.now())
        response = self.client.get(self.material_url(item))
        self.assertEqual(response.status_code, 404)
        denied = self.audit_rows(
            action=AuditEvent.Action.DENIED, object_type="collaboration.agendaitem"
        )
        self.assertEqual(len(denied), 1)
        self.assertEqual(len(self.audit_rows(action=AuditEvent.Action.DISCLOSE)), 1)
        page = self.client.get(f"/meetings/{self.meeting.pk}/")
        self.assertContains(page, "本人の同意が撤回されたか期限が切れたため、閲覧できません。")

    def test_an_expired_consent_closes_the_material(self) -> None:
        consent = self.consent(self.case)
        item = self.on_agenda(self.meeting, self.case)
        Consent.objects.filter(pk=consent.pk).update(expires_on=days_ago(1))
        self.assertEqual(self.status(self.houkatsu, self.material_url(item)), 404)

    def test_a_consent_that_names_no_basic_information_hides_the_name(self) -> None:
        self.consent(self.case, info_kinds=["consultation"])
        item = self.on_agenda(self.meeting, self.case)
        self.login(self.houkatsu)
        response = self.client.get(self.material_url(item))
        self.assertContains(response, "本人（氏名非開示）")
        self.assertNotContains(response, "高橋")


class CaseConferenceTests(MeetingTestCase):
    def test_a_case_conference_is_internal(self) -> None:
        meeting = self.convene(K.CASE_CONFERENCE)
        item = self.on_agenda(meeting, self.a_case())
        self.assertEqual(self.status(self.soudan, self.material_url(item)), 200)
        self.assertEqual(self.status(self.houkatsu, self.material_url(item)), 404)


class MeetingRecordHeaderTests(MeetingTestCase):
    """The summary header (components/record_header.html) and the section navigation."""

    def page(self, meeting: Meeting, user: User) -> RecordPage:
        self.login(user)
        response = self.client.get(f"/meetings/{meeting.pk}/")
        self.assertEqual(response.status_code, 200)
        return read_record_page(response.content.decode())

    def test_a_support_meeting_shows_its_facts_and_the_duty_of_confidentiality(self) -> None:
        meeting = self.convene(K.SUPPORT_MEETING, held_days_ago=2)
        self.member(meeting, self.houkatsu)
        page = self.page(meeting, self.houkatsu)
        self.assertEqual((page.kind, page.name), (f"会議 #{meeting.pk}", "支援会議「4月の会議」"))
        self.assertEqual(page.badges, ["守秘義務あり（支援会議）"])
        self.assertEqual(page.facts["日時"], wareki_datetime(meeting.held_at))
        self.assertEqual(page.facts["状態"], "開催済み（議事録未作成）")
        self.assertEqual(page.facts["招集した機関"], self.chousei.organisation.name)  # type: ignore[union-attr]
        self.assertEqual(page.facts["参加者"], "2人")  # the convener and the partner
        self.assertEqual(
            page.facts["守秘義務"], "参加者全員に守秘義務があります（あなたの確認: 未確認）"
        )
        member_acknowledge(
            member=meeting.members.get(user=self.houkatsu), by=self.houkatsu, request=None
        )
        self.assertIn("確認済み", self.page(meeting, self.houkatsu).facts["守秘義務"])

    def test_a_meeting_to_come_and_a_case_conference_carry_no_confidentiality_badge(self) -> None:
        meeting = meeting_create(
            kind=K.CASE_CONFERENCE,
            title="来週のケース会議",
            held_at=timezone.now() + timedelta(days=7),
            place="",
            online=True,
            by=self.chousei,
        )
        page = self.page(meeting, self.chousei)
        self.assertEqual(page.badges, [])
        self.assertEqual(page.facts["状態"], "開催予定")
        self.assertNotIn("守秘義務", page.facts)

    def test_every_section_link_goes_to_a_heading_on_the_page(self) -> None:
        meeting = self.convene(K.SUPPORT_MEETING)
        self.member(meeting, self.houkatsu)
        for user in (self.chousei, self.houkatsu):
            with self.subTest(user=user.username):
                page = self.page(meeting, user)
                self.assertIn("meeting-agenda", page.nav_targets)
                self.assertEqual(page.missing_targets(), [])
