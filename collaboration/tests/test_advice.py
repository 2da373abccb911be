"""Specialist advice from the prefectural centre: anonymous unless a consent says otherwise."""

from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from cases.models import Assessment, OutingLevel
from collaboration.models import Advice, AdviceRequest, AgencyCategory, Consent, InfoKind
from collaboration.sharing.access import disclosure_subject
from collaboration.tests.sharing_world import SharingWorld, build_sharing_world
from tsunagu.test import BaseTestCase


class AdviceTests(BaseTestCase):
    sharing: SharingWorld

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.sharing = build_sharing_world(cls.world)
        cls.centre = cls.world.staff["centre"]
        person = cls.sharing.case.person
        assert person is not None
        person.address = "つなぐ市本町1-2-3"
        person.birth_date = timezone.localdate().replace(year=timezone.localdate().year - 34)
        person.save()
        Assessment.objects.create(
            case=cls.sharing.case,
            number=1,
            outing_level=OutingLevel.HOME_ONLY,
            state_since_year=2019,
            created_by=cls.soudan,
        )

    def detail(self, user, advice_request=None):  # type: ignore[no-untyped-def]
        self.login(user)
        advice_request = advice_request or self.sharing.advice_request
        return self.client.get(reverse("advice_detail", args=[advice_request.pk]))

    def request_advice(self, **data):  # type: ignore[no-untyped-def]
        self.login(self.soudan)
        return self.client.post(
            reverse("advice_new", args=[self.sharing.case.pk]),
            {
                "centre": self.world.organisations["centre"].pk,
                "question": "本人が夜だけ外出する。医療につなぐべきか。",
                "disciplines": ["medical", "psychology"],
                **data,
            },
        )

    def test_the_centre_sees_an_anonymised_summary_without_name_or_address(self) -> None:
        response = self.detail(self.centre)

        self.assertContains(response, "30代・不明")
        self.assertContains(response, "自室からは出るが、家からは出ない")
        self.assertContains(response, "平成31年頃から")
        self.assertContains(response, "本人（匿名）")
        self.assertNotContains(response, "高橋")
        self.assertNotContains(response, "本町")
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DISCLOSE), [])

    def test_a_request_is_made_from_the_case(self) -> None:
        response = self.request_advice()

        advice_request = AdviceRequest.objects.latest("id")
        self.assertRedirects(response, reverse("advice_detail", args=[advice_request.pk]))
        self.assertEqual(advice_request.disciplines, ["medical", "psychology"])
        self.assertIsNone(advice_request.identity_consent)

    def test_asking_to_share_the_identity_without_consent_is_refused(self) -> None:
        before = AdviceRequest.objects.count()

        response = self.request_advice(share_identity="on")

        self.assertContains(response, "氏名などを伝える同意がありません。")
        self.assertEqual(AdviceRequest.objects.count(), before)

    def test_with_a_consent_the_centre_sees_the_name_until_it_is_withdrawn(self) -> None:
        consent = Consent.objects.create(
            organisation=self.window,
            person=self.sharing.case.person,
            given_by=Consent.GivenBy.PERSON,
            method=Consent.Method.ORAL,
            purpose="センターの専門的助言を受けるため",
            agency_categories=[AgencyCategory.HIKIKOMORI_CENTRE],
            info_kinds=[InfoKind.BASIC],
            given_on=timezone.localdate(),
            expires_on=timezone.localdate().replace(year=timezone.localdate().year + 1),
            recorded_by=self.soudan,
        )
        self.request_advice(share_identity="on")
        advice_request = AdviceRequest.objects.latest("id")
        self.assertEqual(advice_request.identity_consent, consent)

        self.assertContains(self.detail(self.centre, advice_request), "高橋 健太")
        [row] = self.audit_rows(
            action=AuditEvent.Action.DISCLOSE,
            subject=disclosure_subject(self.sharing.case.person_id or 0),
        )
        self.assertEqual(row.detail["basis"], "consent")

        consent.withdrawn_at = timezone.now()
        consent.save()
        response = self.detail(self.centre, advice_request)
        self.assertContains(response, "本人（匿名）")
        self.assertNotContains(response, "高橋")

    def test_the_centres_advice_appears_on_the_municipalitys_case(self) -> None:
        self.login(self.centre)
        response = self.client.post(
            reverse("advice_answer", args=[self.sharing.advice_request.pk]),
            {
                "discipline": "psychology",
                "text": "訪問は続け、手紙で本人に選択肢を示すとよい。",
                "joint_support": "on",
                "joint_support_note": "次回の訪問に心理職が同行する",
            },
        )
        self.assertRedirects(
            response, reverse("advice_detail", args=[self.sharing.advice_request.pk])
        )

        self.login(self.soudan)
        page = self.client.get(reverse("case_detail", args=[self.sharing.case.pk]))
        self.assertContains(page, "訪問は続け、手紙で本人に選択肢を示すとよい。")
        self.assertContains(page, "次回の訪問に心理職が同行する")
        self.sharing.advice_request.refresh_from_db()
        self.assertEqual(self.sharing.advice_request.state, AdviceRequest.State.ANSWERED)

    def test_joint_support_needs_a_description(self) -> None:
        self.login(self.centre)
        response = self.client.post(
            reverse("advice_answer", args=[self.sharing.advice_request.pk]),
            {"discipline": "welfare", "text": "助言", "joint_support": "on"},
        )

        self.assertContains(response, "直接支援の内容（いつ・何をするか）を書いてください。")
        self.assertFalse(Advice.objects.exists())

    def test_only_the_centre_answers_and_others_do_not_see_the_request(self) -> None:
        self.login(self.soudan)
        answer = reverse("advice_answer", args=[self.sharing.advice_request.pk])
        self.assertEqual(
            self.client.post(answer, {"discipline": "legal", "text": "x"}).status_code, 403
        )
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.assertEqual(self.detail(user).status_code, 404)
        self.assertEqual(self.detail(self.toukei).status_code, 403)
        self.assertFalse(Advice.objects.exists())
