"""The case team and lead worker: changed on the team page with a reason, in the history, audited;
a partner organisation's worker joins only under a consent; the team decides who sees a restricted
person's identity."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from cases.models import Case, Stage, TeamChange
from cases.tests.helpers import days_ago, make_person, open_case
from collaboration.models import AgencyCategory, Consent, InfoKind
from collaboration.teams import services
from people.access import can_see_identity
from tsunagu.test import BaseTestCase


class TeamTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.window, "高橋", "健太")
        self.case = open_case(self.soudan, self.person)
        self.url = f"/cases/{self.case.pk}/team/"
        self.login(self.soudan)

    def add(self, member: User, reason: str = "訪問に同行するため") -> object:
        return self.client.post(f"{self.url}add/", {"add-member": member.pk, "add-reason": reason})

    def remove(
        self, member: User, reason: str = "担当替えのため", confirmed: bool = True
    ) -> object:
        data = {"row": member.pk, f"remove-{member.pk}-member": member.pk}
        data[f"remove-{member.pk}-reason"] = reason
        if confirmed:
            data[f"remove-{member.pk}-confirmed"] = "on"
        return self.client.post(f"{self.url}remove/", data)

    def lead(self, member: User, reason: str = "異動のため") -> object:
        return self.client.post(
            f"{self.url}lead/", {"lead-new_lead": member.pk, "lead-reason": reason}
        )

    def consent_for_houkatsu(self) -> Consent:
        return Consent.objects.create(
            organisation=self.window,
            person=self.person,
            case=self.case,
            given_by=Consent.GivenBy.PERSON,
            method=Consent.Method.SIGNATURE,
            purpose="地域包括支援センターと連携して家族を支援するため",
            agency_categories=[AgencyCategory.COMMUNITY_GENERAL_SUPPORT],
            info_kinds=[InfoKind.BASIC, InfoKind.CONSULTATION],
            given_on=days_ago(1),
            expires_on=days_ago(-300),
            recorded_by=self.soudan,
        )

    def team(self) -> set[str]:
        return set(Case.objects.get(pk=self.case.pk).team.values_list("username", flat=True))


class AddingAndRemoving(TeamTestCase):
    def test_a_colleague_is_added_with_a_reason_dated_and_audited(self) -> None:
        response = self.add(self.douryou)
        self.assertRedirects(response, self.url)
        self.assertEqual(self.team(), {"soudan", "douryou"})
        (change,) = TeamChange.objects.filter(case=self.case)
        self.assertEqual(
            (change.kind, change.member, change.reason, change.by),
            (TeamChange.Kind.ADDED, self.douryou, "訪問に同行するため", self.soudan),
        )
        audit = AuditEvent.objects.filter(
            action=AuditEvent.Action.UPDATE, object_type="cases.case", object_id=str(self.case.pk)
        ).last()
        assert audit is not None
        self.assertEqual(audit.detail["team_change"], "added")
        self.assertEqual(audit.detail["member"], self.douryou.pk)
        self.assertNotIn("訪問に同行するため", str(audit.detail))  # reasons are not in the log
        page = self.client.get(f"/cases/{self.case.pk}/").content.decode()
        self.assertIn("担当の変更", page)
        self.assertIn("訪問に同行するため", page)

    def test_the_page_posts_what_the_views_read(self) -> None:
        self.add(self.douryou)
        page = self.client.get(self.url).content.decode()
        for name in ("add-member", "add-reason", "lead-new_lead", "lead-reason"):
            self.assertIn(f'name="{name}"', page)
        for name in ("member", "reason", "confirmed"):
            self.assertIn(f'name="remove-{self.douryou.pk}-{name}"', page)
        self.assertIn(f'name="row" value="{self.douryou.pk}"', page)

    def test_no_reason_is_refused_and_nothing_changes(self) -> None:
        response = self.add(self.douryou, reason="  ")
        self.assertContains(response, "理由を入力してください")
        self.assertEqual(self.team(), {"soudan"})
        self.assertFalse(TeamChange.objects.exists())

    def test_someone_already_on_the_team_is_refused(self) -> None:
        self.add(self.douryou)
        with self.assertRaisesMessage(Exception, "すでに担当チームにいます"):
            services.team_add(case=self.case, member=self.douryou, reason="再度", by=self.soudan)

    def test_a_role_without_the_right_to_see_records_is_refused(self) -> None:
        response = self.add(self.toukei)
        self.assertContains(response, "一覧にあるものから選んでください")  # not even offered
        with self.assertRaisesMessage(Exception, services.MEMBER_WITHOUT_RIGHT):
            services.team_add(case=self.case, member=self.toukei, reason="集計", by=self.soudan)
        self.assertEqual(self.team(), {"soudan"})

    def test_removal_needs_a_reason_and_the_confirmation(self) -> None:
        self.add(self.douryou)
        response = self.remove(self.douryou, confirmed=False)
        self.assertContains(response, "確認の欄にチェックしてください")
        self.assertEqual(self.team(), {"soudan", "douryou"})
        self.assertRedirects(self.remove(self.douryou), self.url)
        self.assertEqual(self.team(), {"soudan"})
        self.assertEqual(
            list(TeamChange.objects.values_list("kind", flat=True)),
            [TeamChange.Kind.ADDED, TeamChange.Kind.REMOVED],
        )

    def test_the_lead_cannot_be_removed_without_naming_a_new_one(self) -> None:
        with self.assertRaisesMessage(Exception, services.LEAD_NOT_REMOVABLE):
            services.team_remove(case=self.case, member=self.soudan, reason="退職", by=self.soudan)
        self.assertEqual(self.team(), {"soudan"})

    def test_a_closed_case_keeps_its_team(self) -> None:
        Case.objects.filter(pk=self.case.pk).update(stage=Stage.CLOSED)
        with self.assertRaisesMessage(Exception, services.CASE_CLOSED):
            services.team_add(case=self.case, member=self.douryou, reason="x", by=self.soudan)
        page = self.client.get(self.url).content.decode()
        self.assertIn("ケースを再開してください", page)
        self.assertNotIn("チームに加える</h2>", page)


class PartnersAndConsent(TeamTestCase):
    def test_a_partner_worker_joins_only_under_a_consent_covering_their_organisation(self) -> None:
        with self.assertRaisesMessage(Exception, "本人の有効な同意が必要です"):
            services.team_add(case=self.case, member=self.houkatsu, reason="連携", by=self.soudan)
        page = self.client.get(self.url).content.decode()
        self.assertNotIn(f'value="{self.houkatsu.pk}"', page)
        self.consent_for_houkatsu()
        page = self.client.get(self.url).content.decode()
        self.assertIn(f'value="{self.houkatsu.pk}"', page)
        self.assertRedirects(self.add(self.houkatsu), self.url)
        self.assertIn("houkatsu", self.team())
        # On the team under the consent: the shared page opens for them.
        self.client.force_login(self.houkatsu)
        self.assertEqual(self.client.get(f"/shared/cases/{self.case.pk}/").status_code, 200)

    def test_another_municipality_never_joins(self) -> None:
        self.consent_for_houkatsu()
        with self.assertRaisesMessage(Exception, "本人の有効な同意が必要です"):
            services.team_add(case=self.case, member=self.minato, reason="x", by=self.soudan)


class RestrictedIdentity(TeamTestCase):
    def test_the_team_decides_who_sees_a_restricted_persons_identity(self) -> None:
        self.person.is_restricted = True
        self.person.save()
        self.assertFalse(can_see_identity(self.douryou, self.person))
        self.add(self.douryou)
        self.person.refresh_from_db()
        self.assertTrue(can_see_identity(self.douryou, self.person))
        self.remove(self.douryou)
        self.person.refresh_from_db()
        self.assertFalse(can_see_identity(self.douryou, self.person))

    def test_removal_keeps_the_identity_for_someone_on_another_case_of_the_person(self) -> None:
        self.person.is_restricted = True
        self.person.save()
        # An earlier case of the person, closed since (one case of a person is open at a time),
        # on whose team the colleague was.
        earlier = Case.objects.create(
            organisation=self.window,
            person=self.person,
            title="前のケース",
            lead_worker=self.soudan,
            stage=Stage.CLOSED,
            opened_on=days_ago(400),
        )
        earlier.team.add(self.soudan, self.douryou)
        self.add(self.douryou)
        self.remove(self.douryou)
        self.person.refresh_from_db()
        self.assertTrue(can_see_identity(self.douryou, self.person))


class LeadWorker(TeamTestCase):
    def test_the_lead_is_handed_to_a_colleague_who_joins_the_team(self) -> None:
        self.assertRedirects(self.lead(self.douryou), self.url)
        case = Case.objects.get(pk=self.case.pk)
        self.assertEqual(case.lead_worker, self.douryou)
        self.assertEqual(self.team(), {"soudan", "douryou"})
        change = TeamChange.objects.get(kind=TeamChange.Kind.LEAD)
        self.assertEqual((change.member, change.previous_lead), (self.douryou, self.soudan))
        self.assertContains(self.client.get(self.url), "前の主担当 相談 花子")

    def test_the_lead_must_be_of_the_cases_organisation_and_able_to_write(self) -> None:
        with self.assertRaisesMessage(Exception, services.LEAD_OTHER_ORGANISATION):
            services.lead_change(case=self.case, new_lead=self.houkatsu, reason="x", by=self.soudan)
        with self.assertRaisesMessage(Exception, services.LEAD_WITHOUT_RIGHT):
            services.lead_change(case=self.case, new_lead=self.toukei, reason="x", by=self.soudan)
        response = self.lead(self.douryou, reason="")
        self.assertContains(response, "理由を入力してください")
        self.assertEqual(Case.objects.get(pk=self.case.pk).lead_worker, self.soudan)

    def test_an_inactive_worker_cannot_lead(self) -> None:
        leaver = User.objects.create_user(
            username="leaver",
            password="x",
            display_name="退職 者",
            organisation=self.window,
            is_active=False,
        )
        StaffRole.objects.create(user=leaver, role=Role.CONSULTATION_WORKER)
        with self.assertRaisesMessage(Exception, services.MEMBER_INACTIVE):
            services.lead_change(case=self.case, new_lead=leaver, reason="x", by=self.soudan)


class WhoMayChange(TeamTestCase):
    def test_other_organisations_get_404_and_read_only_roles_403(self) -> None:
        for user, status in ((self.minato, 404), (self.houkatsu, 404), (self.toukei, 403)):
            self.client.force_login(user)
            self.assertEqual(self.client.get(self.url).status_code, status, user)
            self.assertEqual(self.add(self.douryou).status_code, status, user)
        self.assertEqual(self.team(), {"soudan"})

    def test_the_team_page_does_not_grow_with_the_team(self) -> None:
        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                self.assertEqual(self.client.get(self.url).status_code, 200)
            return len(captured.captured_queries)

        self.client.get(self.url)
        self.add(self.douryou)
        one = queries()
        for number in range(5):
            worker = User.objects.create_user(
                username=f"w{number}",
                password="x",
                display_name=f"職員 {number}",
                organisation=self.window,
            )
            StaffRole.objects.create(user=worker, role=Role.CONSULTATION_WORKER)
            self.add(worker)
        self.assertEqual(queries(), one)
