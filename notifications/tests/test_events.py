"""The events that notify: added to a case team, added to a meeting, an answer to one's advice
request. Each message names the record by number, never the person; each is created in the
event's own transaction; each link leads to a page the recipient may open."""

from datetime import timedelta
from typing import Any
from unittest import mock

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from cases.models import Case, TeamChange
from cases.tests.helpers import days_ago, make_person, open_case
from collaboration.advice import services as advice_services
from collaboration.meetings import services as meeting_services
from collaboration.models import AgencyCategory, Consent, InfoKind, Meeting
from collaboration.teams import services as team_services
from notifications.models import Notification
from notifications.services import notify
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase


class EventAborted(Exception):
    pass


def messages_of(user: User) -> list[tuple[str, str, str]]:
    return [
        (n.kind, n.message, n.url)
        for n in Notification.objects.filter(recipient=user).order_by("id")
    ]


class EventTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.person = make_person(self.window, "高橋", "健太", address="つなぐ市本町1-2-3")
        self.case = open_case(self.soudan, self.person)

    def assert_no_personal_data(self, user: User) -> None:
        for notification in Notification.objects.filter(recipient=user):
            for text in ("高橋", "健太", "本町", self.case.title):
                self.assertNotIn(text, notification.message)

    def assert_opens(self, user: User) -> None:
        """Opening the notification leads to a page the recipient sees."""
        notification = Notification.objects.get(recipient=user)
        self.login(user)
        response = self.client.post(f"/notifications/{notification.pk}/open/", follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[0][0], notification.url)


class TeamEvents(EventTestCase):
    def add(self, member: User) -> TeamChange:
        return team_services.team_add(
            case=self.case, member=member, reason="訪問に同行するため", by=self.soudan
        )

    def test_a_colleague_added_to_the_team_is_told_by_the_cases_number(self) -> None:
        self.add(self.douryou)

        self.assertEqual(
            messages_of(self.douryou),
            [
                (
                    Notification.Kind.ADDED_TO_TEAM,
                    f"ケース #{self.case.pk} の担当チームに追加されました",
                    f"/cases/{self.case.pk}/",
                )
            ],
        )
        self.assertEqual(messages_of(self.soudan), [])  # the one who added
        self.assert_no_personal_data(self.douryou)
        self.assert_opens(self.douryou)

    def test_a_partners_worker_is_sent_to_the_shared_page(self) -> None:
        consent = Consent.objects.create(
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

        self.add(self.houkatsu)

        ((kind, message, url),) = messages_of(self.houkatsu)
        self.assertEqual(
            (kind, message, url),
            (
                Notification.Kind.ADDED_TO_TEAM,
                f"ケース #{self.case.pk} の担当チームに追加されました",
                f"/shared/cases/{self.case.pk}/",
            ),
        )
        self.assert_no_personal_data(self.houkatsu)
        self.assert_opens(self.houkatsu)

        # The link grants nothing: once the consent is withdrawn, the case page answers 404.
        consent.withdrawn_at = timezone.now()
        consent.save()
        notification = Notification.objects.get(recipient=self.houkatsu)
        response = self.client.post(f"/notifications/{notification.pk}/open/", follow=True)
        self.assertEqual(response.status_code, 404)

    def test_a_refused_addition_tells_nobody(self) -> None:
        with self.assertRaises(ValidationError):
            self.add(self.minato)  # another municipality: refused

        self.assertFalse(Notification.objects.exists())

    def test_the_notification_and_the_team_change_stand_or_fall_together(self) -> None:
        def notify_then_fail(**arguments: Any) -> None:
            notify(**arguments)
            raise EventAborted

        with (
            mock.patch.object(team_services, "notify", side_effect=notify_then_fail),
            self.assertRaises(EventAborted),
        ):
            self.add(self.douryou)

        self.assertFalse(Notification.objects.exists())
        self.assertFalse(TeamChange.objects.filter(case=self.case).exists())
        self.assertFalse(Case.objects.filter(pk=self.case.pk, team=self.douryou).exists())


class MeetingEvents(EventTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.convener = self.world.staff["chousei"]
        self.held_at = timezone.now() + timedelta(days=7)
        self.meeting = meeting_services.meeting_create(
            kind=Meeting.Kind.SUPPORT_MEETING,
            title="高橋さん世帯について",  # a title may name the family: never in the message
            held_at=self.held_at,
            place="本庁舎 会議室A",
            by=self.convener,
        )

    def test_a_member_is_told_the_meetings_number_kind_and_date(self) -> None:
        meeting_services.member_add(meeting=self.meeting, user=self.houkatsu, by=self.convener)

        held_on = wareki(timezone.localtime(self.held_at).date())
        self.assertEqual(
            messages_of(self.houkatsu),
            [
                (
                    Notification.Kind.ADDED_TO_MEETING,
                    f"会議 #{self.meeting.pk}（支援会議・{held_on}）の参加者に追加されました",
                    f"/meetings/{self.meeting.pk}/",
                )
            ],
        )
        self.assert_no_personal_data(self.houkatsu)
        self.assert_opens(self.houkatsu)

    def test_the_convener_is_not_told_of_their_own_meeting(self) -> None:
        self.assertEqual(messages_of(self.convener), [])

    def test_adding_a_member_twice_tells_them_once(self) -> None:
        meeting_services.member_add(meeting=self.meeting, user=self.douryou, by=self.convener)
        with self.assertRaises(ValidationError):
            meeting_services.member_add(meeting=self.meeting, user=self.douryou, by=self.convener)

        self.assertEqual(len(messages_of(self.douryou)), 1)


class AdviceEvents(EventTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.specialist = self.world.staff["centre"]
        self.advice_request = advice_services.advice_request_create(
            case=self.case,
            centre=self.world.organisations["centre"],
            question="本人が夜だけ外出する。医療につなぐべきか。",
            disciplines=["medical"],
            share_identity=False,
            by=self.soudan,
        )

    def answer(self) -> None:
        advice_services.advice_give(
            advice_request=self.advice_request,
            data={"discipline": "medical", "text": "まず家族面談を重ねてください。"},
            by=self.specialist,
            request=None,
        )

    def test_the_worker_who_asked_is_told_of_the_answer(self) -> None:
        self.answer()

        pk = self.advice_request.pk
        self.assertEqual(
            messages_of(self.soudan),
            [
                (
                    Notification.Kind.ADVICE_ANSWERED,
                    f"ケース #{self.case.pk} の専門的助言の依頼 #{pk} に回答が届きました",
                    f"/advice/{pk}/",
                )
            ],
        )
        self.assertEqual(messages_of(self.specialist), [])
        self.assert_no_personal_data(self.soudan)
        for text in ("夜だけ外出", "家族面談"):  # neither the question nor the answer
            self.assertNotIn(text, messages_of(self.soudan)[0][1])
        self.assert_opens(self.soudan)

    def test_a_closed_request_takes_no_answer_and_tells_nobody(self) -> None:
        advice_services.advice_request_close(
            advice_request=self.advice_request, by=self.soudan, request=None
        )
        with self.assertRaises(ValidationError):
            self.answer()

        self.assertFalse(Notification.objects.exists())
