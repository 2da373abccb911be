"""The receiver's answer to a referral through the API (受け取ったつなぎ): the organisation it was
made to reads it, accepts, declines with a reason or records the first meeting, through the same
services as its page; any other organisation, the sender's included, gets 404."""

import json
from typing import Any

from accounts.models import User
from api.tests.test_api import ApiTestCase
from audit.models import AuditEvent
from cases.tests.helpers import days_ago, make_agency, open_case
from collaboration.models import Agency, Referral
from collaboration.referrals.services import (
    DECLINE_WITHOUT_REASON,
    DECLINED_NOTE,
    MEETING_IN_FUTURE,
    STALE_REFERRAL,
    referral_create,
)
from collaboration.sharing.access import disclosure_subject
from notifications.models import Notification
from people.models import Person


class ReceiverApiTests(ApiTestCase):
    agency: Agency

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.agency = make_agency(cls.soudan, organisation=cls.world.organisations["houkatsu"])

    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.referral = referral_create(
            organisation_id=self.case.organisation_id,
            person_id=self.case.person_id or 0,
            agency_id=self.agency.pk,
            purpose="父親の介護保険の申請",
            follow_up_on=days_ago(-14),
            case=self.case,
            by=self.soudan,
        )
        self.path = f"/received-referrals/{self.referral.pk}"
        self.tokens: dict[int, str] = {}

    def token(self, user: User) -> str:
        return self.tokens.setdefault(user.pk, self.token_for(user))

    def read(self, user: User, path: str | None = None) -> Any:
        return self.get(path or self.path, token=self.token(user))

    def answer(self, user: User, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1{self.path}/answer",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token(user)}"},
        )

    def referral_now(self) -> Referral:
        return Referral.objects.get(pk=self.referral.pk)

    def test_the_receiver_lists_and_reads_the_referral_as_a_disclosure(self) -> None:
        listed = self.read(self.houkatsu, "/received-referrals").json()
        self.assertEqual([item["id"] for item in listed["items"]], [self.referral.pk])
        body = self.read(self.houkatsu).json()
        self.assertEqual(body["sender_organisation"], self.window.name)
        self.assertEqual(body["person_name"], "高橋 健太")
        self.assertEqual(body["purpose"], "父親の介護保険の申請")
        self.assertEqual((body["state"], body["version"]), ("proposed", 1))
        self.assertEqual(body["answers"], ["accept", "decline", "connected"])
        disclosures = self.audit_rows(
            action=AuditEvent.Action.DISCLOSE, subject=disclosure_subject(self.case.person_id)
        )
        self.assertEqual(len(disclosures), 2)

    def test_the_receiver_accepts_and_the_sender_is_told(self) -> None:
        response = self.answer(self.houkatsu, action="accept", version=1)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual((body["state"], body["version"]), ("accepted", 2))
        self.assertEqual(body["answers"], ["decline", "connected"])
        self.assertEqual(self.referral_now().state, Referral.State.ACCEPTED)
        self.assertTrue(
            Notification.objects.filter(
                recipient=self.soudan, kind=Notification.Kind.REFERRAL_ANSWERED
            ).exists()
        )

    def test_a_decline_needs_a_reason(self) -> None:
        response = self.answer(self.houkatsu, action="decline", version=1, reason=" ")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"]["reason"], [DECLINE_WITHOUT_REASON])
        self.assertEqual(self.referral_now().state, Referral.State.PROPOSED)
        response = self.answer(self.houkatsu, action="decline", version=1, reason="対象外の地区")
        self.assertEqual(response.status_code, 200)
        referral = self.referral_now()
        self.assertEqual((referral.state, referral.failed_reason), ("failed", "対象外の地区"))
        self.assertEqual(referral.events.last().note, f"{DECLINED_NOTE}: 対象外の地区")  # type: ignore[union-attr]

    def test_the_first_meeting_is_recorded_with_its_date(self) -> None:
        future = self.answer(
            self.houkatsu, action="connected", version=1, met_on=days_ago(-1).isoformat()
        )
        self.assertEqual(future.status_code, 422)
        self.assertEqual(future.json()["errors"]["met_on"], [MEETING_IN_FUTURE])
        response = self.answer(
            self.houkatsu, action="connected", version=1, met_on=days_ago(0).isoformat()
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["connected_on"], days_ago(0).isoformat())
        self.assertEqual(self.referral_now().state, Referral.State.CONNECTED)

    def test_an_answer_that_cannot_follow_is_refused_at_the_action(self) -> None:
        self.answer(self.houkatsu, action="decline", version=1, reason="対象外")
        response = self.answer(self.houkatsu, action="accept", version=2)
        self.assertEqual(response.status_code, 422)
        self.assertIn("action", response.json()["errors"])

    def test_the_version_is_required_and_a_stale_one_is_409(self) -> None:
        missing = self.answer(self.houkatsu, action="accept")
        self.assertEqual(missing.status_code, 422)
        self.assertIn("version", missing.json()["errors"])
        unknown = self.answer(self.houkatsu, action="delete", version=1)
        self.assertEqual(unknown.status_code, 422)
        self.assertIn("action", unknown.json()["errors"])
        stale = self.answer(self.houkatsu, action="accept", version=7)
        self.assertEqual(stale.status_code, 409)
        self.assertEqual(stale.json()["detail"], STALE_REFERRAL)
        self.assertEqual(self.referral_now().version, 1)

    def test_another_organisation_and_the_sender_get_404(self) -> None:
        for user in (self.minato, self.soudan):
            self.assertEqual(self.read(user).status_code, 404)
            self.assertEqual(self.answer(user, action="accept", version=1).status_code, 404)
        self.assertEqual(self.read(self.minato, "/received-referrals").json()["items"], [])
        self.assertEqual(self.referral_now().state, Referral.State.PROPOSED)

    def test_a_restricted_persons_name_is_not_given_without_consent(self) -> None:
        Person.objects.filter(pk=self.case.person_id).update(is_restricted=True)
        body = self.read(self.houkatsu).json()
        self.assertFalse(body["person_name_shown"])
        self.assertNotIn("高橋", body["person_name"])

    def test_the_window_auditor_gets_403_on_the_list(self) -> None:
        self.assertEqual(self.read(self.kansa, "/received-referrals").status_code, 403)
