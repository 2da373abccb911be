"""A referral tells the other side in the inbox: a new one reaches the receiving organisation's
workers, the receiver's answer reaches the worker who referred; never with the person's name."""

from collaboration.referrals.services import referral_accept, referral_decline
from collaboration.tests.test_referral_incoming import ReceivedReferralWorld
from notifications.models import Notification


class ReferralNotificationTests(ReceivedReferralWorld):
    def inbox(self, user: object) -> list[Notification]:
        return list(Notification.objects.filter(recipient=user).order_by("id"))

    def test_a_new_referral_reaches_the_receiving_workers_without_the_persons_name(self) -> None:
        (note,) = self.inbox(self.houkatsu)
        self.assertEqual(note.kind, Notification.Kind.REFERRAL_INCOMING)
        self.assertEqual(note.url, self.incoming_url())
        self.assertIn(f"つなぎ #{self.referral.pk}", note.message)
        person = self.referral.person
        for part in (person.family_name, person.given_name):
            self.assertNotIn(part, note.message)
        self.assertEqual(self.inbox(self.soudan), [])  # the sender is the actor

    def test_the_receivers_answer_reaches_the_referring_worker(self) -> None:
        referral_accept(referral=self.referral, version=self.referral.version, by=self.houkatsu)
        (note,) = self.inbox(self.soudan)
        self.assertEqual(note.kind, Notification.Kind.REFERRAL_ANSWERED)
        self.assertIn("受入", note.message)
        self.assertEqual(note.url, f"/referrals/{self.referral.pk}/")

    def test_a_decline_is_told_with_its_state_not_its_reason(self) -> None:
        referral_decline(
            referral=self.referral,
            version=self.referral.version,
            reason="担当地区外のため（高橋さん宅は北地区）",
            by=self.houkatsu,
        )
        (note,) = self.inbox(self.soudan)
        self.assertIn("不成立", note.message)
        self.assertNotIn("高橋", note.message)

    def test_an_agency_without_tsunagu_tells_nobody(self) -> None:
        before = Notification.objects.count()
        self.refer(self.case, agency=self.unlinked_agency)
        self.assertEqual(Notification.objects.count(), before)

    def test_the_inbox_count_reaches_the_menu(self) -> None:
        self.login(self.houkatsu)
        response = self.client.get("/menu/counts/")
        self.assertContains(response, "未読</span>1<")
