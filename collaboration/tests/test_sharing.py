"""Who of another organisation sees a case, for how long, and the disclosure log of each view."""

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from api.tests.test_api import ApiTestCase
from audit.models import AuditEvent
from cases.models import Activity
from collaboration.models import InfoKind, Referral, ReferralEvent
from collaboration.referrals.services import referral_set_state
from collaboration.sharing.access import disclosure_subject
from collaboration.tests.sharing_world import SharingWorld, build_sharing_world
from tsunagu.test import BaseTestCase


class SharingTestCase(BaseTestCase):
    sharing: SharingWorld

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sharing = build_sharing_world(cls.world)
        Activity.objects.create(
            case=cls.sharing.case,
            kind=Activity.Kind.HOME_VISIT,
            content="玄関で母親と話した。",
            recorded_by=cls.soudan,
        )

    def shared_page(self, user):  # type: ignore[no-untyped-def]
        self.login(user)
        return self.client.get(reverse("shared_case", args=[self.sharing.case.pk]))

    def disclosures(self) -> list[AuditEvent]:
        return self.audit_rows(
            action=AuditEvent.Action.DISCLOSE,
            subject=disclosure_subject(self.sharing.case.person_id or 0),
        )


class ConsentBasisTests(SharingTestCase):
    def test_a_team_member_under_the_consent_sees_the_kinds_it_covers_and_it_is_logged(
        self,
    ) -> None:
        response = self.shared_page(self.sharing.partner_consent)

        self.assertContains(response, "高橋 健太")
        self.assertContains(response, f"本人の同意（同意 #{self.sharing.consent.pk}）")
        self.assertContains(response, "玄関で母親と話した。")
        self.assertNotContains(response, "家族の情報</h2>")
        self.assertNotContains(response, "健康・障害（要配慮個人情報）</h2>")
        [row] = self.disclosures()
        self.assertEqual(row.actor, self.sharing.partner_consent)
        self.assertEqual(row.organisation_id, self.houkatsu.organisation_id)
        self.assertEqual(
            row.detail,
            {
                "basis": "consent",
                "basis_id": self.sharing.consent.pk,
                "info_kinds": ["basic", "consultation"],
                "identity": True,
            },
        )

    def test_a_withdrawal_ends_the_access_at_once(self) -> None:
        self.sharing.consent.withdrawn_at = timezone.now()
        self.sharing.consent.save()

        response = self.shared_page(self.sharing.partner_consent)

        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.disclosures(), [])
        [denied] = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(denied.detail, {"reason": "out_of_scope"})

    def test_an_expired_consent_gives_no_access(self) -> None:
        self.sharing.consent.expires_on = timezone.localdate() - timedelta(days=1)
        self.sharing.consent.save()

        self.assertEqual(self.shared_page(self.sharing.partner_consent).status_code, 404)

    def test_a_worker_of_the_covered_organisation_off_the_team_sees_nothing(self) -> None:
        self.assertEqual(self.shared_page(self.sharing.partner_none).status_code, 404)

    def test_a_person_known_only_by_an_alias_is_shown_by_the_alias(self) -> None:
        person = self.sharing.case.person
        assert person is not None
        person.family_name, person.given_name, person.alias = "", "", "Bさんの長男"
        person.save()

        self.assertContains(self.shared_page(self.sharing.partner_consent), "<h1>Bさんの長男</h1>")

    def test_the_consent_decides_the_kinds_shown(self) -> None:
        self.sharing.consent.info_kinds = [InfoKind.CONSULTATION, InfoKind.FAMILY]
        self.sharing.consent.save()

        response = self.shared_page(self.sharing.partner_consent)

        self.assertNotContains(response, "高橋 健太")
        self.assertContains(response, "本人（氏名非開示")
        self.assertContains(response, "家族の情報</h2>")


class ReferralBasisTests(SharingTestCase):
    def test_the_receiving_organisation_sees_basic_and_consultation(self) -> None:
        response = self.shared_page(self.sharing.referral_receiver)

        self.assertContains(response, f"つなぎの受入（つなぎ #{self.sharing.referral.pk}）")
        self.assertContains(response, "高橋 健太")
        self.assertContains(response, "玄関で母親と話した。")
        [row] = self.disclosures()
        self.assertEqual(row.detail["basis"], "referral")

    def end_referral(self, days_ago: int) -> None:
        referral = self.sharing.referral
        referral = referral_set_state(
            referral=referral,
            state=Referral.State.CONNECTED,
            version=referral.version,
            by=self.soudan,
        )
        referral_set_state(
            referral=referral, state=Referral.State.ENDED, version=referral.version, by=self.soudan
        )
        # As time would have moved on since the referral ended.
        ReferralEvent.objects.filter(referral=referral, state=Referral.State.ENDED).update(
            at=timezone.now() - timedelta(days=days_ago)
        )

    @override_settings(REFERRAL_ACCESS_GRACE_DAYS=30)
    def test_access_continues_during_the_grace_period_after_the_referral_ended(self) -> None:
        self.end_referral(days_ago=29)

        self.assertEqual(self.shared_page(self.sharing.referral_receiver).status_code, 200)

    @override_settings(REFERRAL_ACCESS_GRACE_DAYS=30)
    def test_access_ends_after_the_grace_period(self) -> None:
        self.end_referral(days_ago=31)

        self.assertEqual(self.shared_page(self.sharing.referral_receiver).status_code, 404)

    def test_a_proposed_referral_gives_no_access(self) -> None:
        Referral.objects.filter(pk=self.sharing.referral.pk).update(state=Referral.State.PROPOSED)
        self.sharing.referral.events.all().delete()

        self.assertEqual(self.shared_page(self.sharing.referral_receiver).status_code, 404)

    def test_a_restricted_persons_identity_stays_hidden_without_consent(self) -> None:
        person = self.sharing.case.person
        assert person is not None
        person.is_restricted = True
        person.save()

        response = self.shared_page(self.sharing.referral_receiver)

        self.assertContains(response, f"制限対象者 #{person.pk}")
        self.assertNotContains(response, "高橋 健太")

    def test_a_consent_covering_basic_information_shows_a_restricted_persons_name(self) -> None:
        person = self.sharing.case.person
        assert person is not None
        person.is_restricted = True
        person.save()

        self.assertContains(self.shared_page(self.sharing.partner_consent), "高橋 健太")


class NoBasisTests(SharingTestCase):
    def test_other_personas_get_404_and_the_own_office_the_case_page(self) -> None:
        for user in (self.minato, self.sharing.meeting_member, self.world.staff["centre"]):
            with self.subTest(user=user.username):
                self.assertEqual(self.shared_page(user).status_code, 404)
        self.assertRedirects(
            self.shared_page(self.soudan),
            reverse("case_detail", args=[self.sharing.case.pk]),
        )

    def test_guessing_ids_of_cases_that_do_not_exist_is_404_without_an_audit_row(self) -> None:
        self.login(self.houkatsu)

        response = self.client.get(reverse("shared_case", args=[999999]))

        self.assertEqual(response.status_code, 404)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DENIED), [])

    def test_the_statistics_clerk_is_refused(self) -> None:
        self.login(self.toukei)

        self.assertEqual(self.client.get(reverse("shared_list")).status_code, 403)


class SharedListTests(SharingTestCase):
    def test_the_list_shows_the_cases_shared_now_with_their_basis(self) -> None:
        self.login(self.sharing.partner_consent)

        response = self.client.get(reverse("shared_list"))

        self.assertContains(response, "高橋 健太")
        self.assertContains(response, "本人の同意")
        self.assertEqual(len(self.disclosures()), 1)

    def test_a_partner_without_basis_sees_an_empty_list(self) -> None:
        self.login(self.sharing.partner_none)

        response = self.client.get(reverse("shared_list"))

        self.assertContains(response, "いま共有されているケースはありません。")
        self.assertNotContains(response, "高橋")


class PartnerApiTests(ApiTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sharing = build_sharing_world(cls.world)

    def test_a_partner_guessing_case_ids_through_the_api_gets_404_and_an_audit_row(self) -> None:
        token = self.token_for(self.houkatsu)
        for case_id in (self.sharing.case.pk, self.sharing.case.pk + 1, 999999):
            with self.subTest(case_id=case_id):
                response = self.get(f"/cases/{case_id}", token=token)
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response.json()["detail"], "該当する記録がありません。")
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.houkatsu)
        self.assertEqual([row.object_id for row in denied], [str(self.sharing.case.pk)])
