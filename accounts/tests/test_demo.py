from io import StringIO

from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from accounts.models import Contract, LocalGovernment, Organisation, StaffRole, User
from cases.models import Activity, Case
from collaboration.models import (
    AdviceRequest,
    Agency,
    AgendaItem,
    Consent,
    Meeting,
    MeetingMember,
    Referral,
)
from consultations.models import Consultation
from people.models import DuplicateCandidate, Household, HouseholdMembership, Person


@override_settings(DEMO_MODE=True)
class LoadDemoTests(TestCase):
    def run_load_demo(self) -> str:
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()

    def test_it_creates_the_fictional_prefecture_and_prints_the_accounts(self) -> None:
        output = self.run_load_demo()
        self.assertIn("パスワードはすべて tsunagu-demo", output)
        self.assertIn("soudan     相談 花子（相談支援員／つなぐ市 ひきこもり相談窓口）", output)
        city = LocalGovernment.objects.get(name="つなぐ市")
        self.assertEqual((city.code, city.prefecture.name), ("992011", "つなぐ県"))
        self.assertTrue(User.objects.filter(is_demo=True, username="kansa").exists())
        self.assertTrue(User.objects.get(username="soudan").check_password("tsunagu-demo"))

    def test_it_is_idempotent(self) -> None:
        self.run_load_demo()
        models = (
            Organisation,
            Contract,
            User,
            StaffRole,
            Person,
            Household,
            HouseholdMembership,
            DuplicateCandidate,
            Agency,
            Consultation,
            Case,
            Activity,
            Referral,
            Consent,
            Meeting,
            MeetingMember,
            AgendaItem,
            AdviceRequest,
        )
        counts = [model.objects.count() for model in models]
        self.run_load_demo()
        self.assertEqual([model.objects.count() for model in models], counts)
        self.assertEqual(Case.objects.get().activities.count(), 5)
        self.assertEqual(Person.objects.count(), 9)
        self.assertEqual(Consent.objects.get().info_kinds, ["basic", "consultation", "family"])
        self.assertEqual(Meeting.objects.get().agenda.get().case, Case.objects.get())

    @override_settings(DEMO_MODE=False)
    def test_it_refuses_outside_demo_mode(self) -> None:
        with self.assertRaisesMessage(CommandError, "デモモードではありません"):
            call_command("load_demo")
        self.assertFalse(User.objects.exists())

    def test_remove_demo_disables_every_demo_account(self) -> None:
        self.run_load_demo()
        call_command("remove_demo", stdout=StringIO())
        self.assertFalse(User.objects.filter(is_demo=True).exists())
        self.assertFalse(User.objects.filter(is_active=True).exists())
