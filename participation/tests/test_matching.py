"""Explained matching: offers for a person's wishes, persons for an offer, and their pages."""

from decimal import Decimal
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.codes import with_check_digit
from accounts.models import LocalGovernment, Organisation, OrganisationType, User
from audit.models import AuditEvent
from cases.models import Assessment, Case, GuidelineStage, OutingLevel
from cases.tests.helpers import make_person, open_case
from participation.matching import (
    NOT_IN_ASSESSMENT,
    Wishes,
    persons_for_offer,
    rank_offers,
    wishes_from_assessment,
)
from participation.models import Host, HostStatus, Offer, Placement, PlacementStage
from tsunagu.test import BaseTestCase


def make_host(owner: Organisation, by: User, name: str, **fields: Any) -> Host:
    fields.setdefault("kind", "social_welfare")
    fields.setdefault("status", HostStatus.ACCEPTING)
    fields.setdefault("shared_in_prefecture", True)
    return Host.objects.create(owner=owner, name=name, created_by=by, **fields)


def make_offer(host: Host, title: str, **fields: Any) -> Offer:
    fields.setdefault("kind", "work_experience")
    fields.setdefault("tasks", "封筒にチラシを入れる")
    return Offer.objects.create(host=host, title=title, created_by=host.created_by, **fields)


def assess(case: Case, by: User, number: int = 1, **fields: Any) -> Assessment:
    return Assessment.objects.create(case=case, number=number, created_by=by, **fields)


class MatchingTestCase(BaseTestCase):
    specialist: User
    aoba: Host
    farm: Host
    envelopes: Offer
    online: Offer
    shop: Offer

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        centre = cls.world.organisations["centre"]
        cls.specialist = cls.world.staff["centre"]
        cls.aoba = make_host(centre, cls.specialist, "あおば福祉会", address="つなぐ市中央1-1")
        cls.envelopes = make_offer(
            cls.aoba,
            "封入作業",
            no_phone_work=True,
            quiet_room=True,
            works_alone=True,
            starts_with_one_hour=True,
            weekdays=["mon", "wed"],
            min_hours_per_week=Decimal(2),
        )
        cls.farm = make_host(
            centre, cls.specialist, "みどり農園", kind="farm", address="みなと町浜3"
        )
        cls.online = make_offer(
            cls.farm,
            "オンラインでの伝票入力",
            kind="work_experience",
            no_phone_work=True,
            works_alone=True,
            online_possible=True,
            places=2,
            weekdays=["sat"],
            min_hours_per_week=Decimal(6),
        )
        cls.shop = make_offer(cls.farm, "直売所の店番", kind="volunteer")


class RankOffersTests(MatchingTestCase):
    def test_offers_are_ranked_by_the_wished_conditions_they_meet(self) -> None:
        wishes = Wishes(needs=("no_phone_work", "quiet_room", "works_alone"))

        matches = rank_offers(self.soudan, wishes)

        self.assertEqual(
            [(m.offer.title, m.score) for m in matches],
            [("封入作業", 30), ("オンラインでの伝票入力", 20), ("直売所の店番", 0)],
        )
        online = matches[1]
        self.assertEqual(online.fits, ["電話の仕事がない", "一人でできる作業", "空きが2人分ある"])
        self.assertEqual(online.misses, ["「静かな部屋がある」に当てはまらない"])

    def test_equal_scores_follow_the_host_name(self) -> None:
        matches = rank_offers(self.soudan, Wishes())

        self.assertEqual(
            [m.offer.title for m in matches],
            ["封入作業", "オンラインでの伝票入力", "直売所の店番"],
        )

    def test_a_condition_that_cannot_be_done_without_leaves_out_the_offers_lacking_it(
        self,
    ) -> None:
        matches = rank_offers(self.soudan, Wishes(musts=("online_possible",)))

        self.assertEqual([m.offer.title for m in matches], ["オンラインでの伝票入力"])
        self.assertIn("オンラインで参加できる（欠かせない条件）", matches[0].fits)

    def test_weekdays_and_hours_are_explained(self) -> None:
        wishes = Wishes(
            weekdays=("wed",), max_hours_per_week=Decimal(3), kinds=("work_experience",)
        )

        envelopes, online = rank_offers(self.soudan, wishes)

        self.assertEqual(envelopes.offer, self.envelopes)
        self.assertIn("希望の曜日（水）に受け入れている", envelopes.fits)
        self.assertIn("週2時間から（希望は週3時間まで）", envelopes.fits)
        self.assertIn("希望する種類（就労体験）", envelopes.fits)
        self.assertEqual(
            online.misses,
            [
                "希望の曜日（水）には受け入れていない（受け入れる曜日: 土）",
                "週6時間以上が必要で、希望（週3時間まで）より長い",
            ],
        )

    def test_filters_for_area_and_kind(self) -> None:
        by_area = rank_offers(self.soudan, Wishes(area="みなと町"))
        by_kind = rank_offers(self.soudan, Wishes(kinds=("volunteer",)))

        self.assertEqual(
            {m.offer.title for m in by_area}, {"オンラインでの伝票入力", "直売所の店番"}
        )
        self.assertEqual([m.offer.title for m in by_kind], ["直売所の店番"])

    def test_an_offer_with_no_place_free_is_not_listed(self) -> None:
        case = open_case(self.soudan)
        placement = Placement.objects.create(
            case=case, offer=self.envelopes, stage=PlacementStage.CONTINUING, created_by=self.soudan
        )

        self.assertNotIn("封入作業", [m.offer.title for m in rank_offers(self.soudan, Wishes())])

        Placement.objects.filter(pk=placement.pk).update(
            stage=PlacementStage.ENDED, end_reason="person_wish", ended_on=case.opened_on
        )
        self.assertIn("封入作業", [m.offer.title for m in rank_offers(self.soudan, Wishes())])

    def test_inactive_offers_and_hosts_not_accepting_are_not_listed(self) -> None:
        Offer.objects.filter(pk=self.shop.pk).update(is_active=False)
        Host.objects.filter(pk=self.aoba.pk).update(status=HostStatus.PAUSED)

        self.assertEqual(
            [m.offer.title for m in rank_offers(self.soudan, Wishes())],
            ["オンラインでの伝票入力"],
        )

    def test_another_prefectures_offers_are_never_listed(self) -> None:
        other_pref = LocalGovernment.objects.create(
            code=with_check_digit("98000"), name="となり県", kind="prefecture"
        )
        other_window = Organisation.objects.create(
            name="となり県ひきこもり地域支援センター",
            type=OrganisationType.HIKIKOMORI_CENTRE,
            local_government=other_pref,
        )
        far = make_host(other_window, self.specialist, "となり県の作業所", address="つなぐ市中央")
        make_offer(far, "となり県の封入作業", no_phone_work=True, quiet_room=True)

        titles = [
            m.offer.title for m in rank_offers(self.soudan, Wishes(needs=("quiet_room",)), limit=50)
        ]

        self.assertNotIn("となり県の封入作業", titles)
        self.assertEqual(titles[0], "封入作業")

    def test_a_host_not_shared_is_listed_to_its_owners_staff_only(self) -> None:
        own = make_host(self.window, self.soudan, "つなぐ市役所", shared_in_prefecture=False)
        make_offer(own, "市役所の書類整理")

        self.assertIn(
            "市役所の書類整理", [m.offer.title for m in rank_offers(self.soudan, Wishes())]
        )
        self.assertNotIn(
            "市役所の書類整理", [m.offer.title for m in rank_offers(self.minato, Wishes())]
        )

    def test_one_query_however_many_offers(self) -> None:
        wishes = Wishes(needs=("quiet_room",), weekdays=("mon",), max_hours_per_week=Decimal(4))
        with CaptureQueriesContext(connection) as few:
            rank_offers(self.soudan, wishes)
        for number in range(12):
            make_offer(self.aoba, f"作業{number}", quiet_room=bool(number % 2))
        with CaptureQueriesContext(connection) as many:
            matches = rank_offers(self.soudan, wishes)

        self.assertEqual(len(matches), 10)
        self.assertEqual(len(few), 1)
        self.assertEqual(len(many), 1)


class WishesFromAssessmentTests(MatchingTestCase):
    def test_the_outing_level_and_stage_give_conditions_and_kinds(self) -> None:
        case = open_case(self.soudan)
        assess(case, self.soudan, 1, outing_level=OutingLevel.NEIGHBOURHOOD)
        assess(
            case,
            self.soudan,
            2,
            outing_level=OutingLevel.HOME_ONLY,
            guideline_stage=GuidelineStage.GROUP,
        )

        wishes = wishes_from_assessment(case)

        self.assertEqual(wishes.musts, ("online_possible",))
        self.assertEqual(
            wishes.needs, ("starts_with_one_hour", "works_alone", "no_customer_contact")
        )
        self.assertEqual(wishes.kinds, ("ibasho", "volunteer", "farming"))
        self.assertIn(f"アセスメント 第2版より。{NOT_IN_ASSESSMENT}", wishes.basis)

    def test_without_an_assessment_nothing_is_pre_filled(self) -> None:
        wishes = wishes_from_assessment(open_case(self.soudan))

        self.assertEqual((wishes.needs, wishes.musts, wishes.kinds), ((), (), ()))
        self.assertIn(NOT_IN_ASSESSMENT, wishes.basis)


class PersonsForOfferTests(MatchingTestCase):
    at_home: Case
    nearby: Case
    minato_case: Case
    unassessed: Case

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.at_home = open_case(cls.soudan, title="自宅から出ない人")
        assess(cls.at_home, cls.soudan, outing_level=OutingLevel.HOME_ONLY)
        cls.nearby = open_case(
            cls.douryou, make_person(cls.window, "佐藤", "翔"), title="近所には出る人"
        )
        assess(
            cls.nearby,
            cls.douryou,
            outing_level=OutingLevel.NEIGHBOURHOOD,
            guideline_stage=GuidelineStage.PARTICIPATION,
        )
        cls.minato_case = open_case(
            cls.minato, make_person(cls.minato_window, "山田", "花"), title="みなと町の人"
        )
        assess(cls.minato_case, cls.minato, outing_level=OutingLevel.HOME_ONLY)
        cls.unassessed = open_case(
            cls.soudan, make_person(cls.window, "鈴木", "一"), title="アセスメント前の人"
        )

    def test_only_the_workers_own_cases_whose_assessment_fits(self) -> None:
        fits = persons_for_offer(self.soudan, self.online)

        self.assertEqual([fit.case.title for fit in fits], ["自宅から出ない人", "近所には出る人"])
        self.assertEqual(
            fits[0].fits,
            [
                "外出の状況（自室からは出るが、家からは出ない）: オンラインで参加できる",
                "外出の状況（自室からは出るが、家からは出ない）に合う: 一人でできる作業",
            ],
        )
        self.assertEqual(
            [fit.case.title for fit in persons_for_offer(self.minato, self.online)],
            ["みなと町の人"],
        )

    def test_a_person_at_home_does_not_fit_an_offer_that_is_not_online(self) -> None:
        fits = persons_for_offer(self.soudan, self.envelopes)

        self.assertEqual([fit.case.title for fit in fits], ["近所には出る人"])
        self.assertIn("支援の段階（社会参加の試行）に合う種類（就労体験）", fits[0].fits)

    def test_a_person_already_placed_there_is_left_out(self) -> None:
        Placement.objects.create(case=self.at_home, offer=self.online, created_by=self.soudan)

        titles = [fit.case.title for fit in persons_for_offer(self.soudan, self.online)]

        self.assertEqual(titles, ["近所には出る人"])

    def test_the_list_is_audited_with_the_cases_shown(self) -> None:
        fits = persons_for_offer(self.soudan, self.online, limit=1)

        row = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.case")[-1]
        self.assertEqual(row.detail["ids"], [fits[0].case.pk])
        self.assertIn("assessment.outing_level", row.detail["fields"])


class MatchPageTests(MatchingTestCase):
    def test_the_case_page_pre_fills_the_wishes_and_explains_each_offer(self) -> None:
        case = open_case(self.soudan)
        assess(case, self.soudan, outing_level=OutingLevel.HOME_ONLY)
        self.login(self.soudan)

        response = self.client.get(reverse("participation_match_case", args=[case.pk]))

        self.assertContains(response, "アセスメントから入れた希望")
        self.assertContains(response, NOT_IN_ASSESSMENT)
        self.assertContains(
            response,
            '<input type="checkbox" name="musts" value="online_possible" id="id_musts_4" checked>',
            html=True,
        )
        self.assertContains(response, "オンラインでの伝票入力")
        self.assertNotContains(response, "封入作業")
        self.assertContains(response, f'href="{reverse("offer_detail", args=[self.online.pk])}"')
        self.assertContains(response, "合う理由")
        self.assertContains(response, "「1時間から始められる」に当てはまらない")

    def test_the_workers_own_wishes_and_filters(self) -> None:
        case = open_case(self.soudan)
        self.login(self.soudan)
        url = reverse("participation_match_case", args=[case.pk])

        response = self.client.get(url, {"searched": "1", "kinds": "volunteer", "area": "みなと"})

        self.assertContains(response, "直売所の店番")
        self.assertNotContains(response, "オンラインでの伝票入力")

    def test_wrong_hours_are_refused_at_their_field(self) -> None:
        case = open_case(self.soudan)
        self.login(self.soudan)
        url = reverse("participation_match_case", args=[case.pk])

        response = self.client.get(url, {"searched": "1", "max_hours_per_week": "100"})

        self.assertContains(
            response, "週あたりの時間は0.5〜40時間の間で入力してください。", count=2
        )
        self.assertContains(response, "まだ探していません。")
        self.assertNotContains(response, "合いそうな受入メニュー")

    def test_another_municipalitys_case_answers_404(self) -> None:
        case = open_case(self.minato, make_person(self.minato_window, "山田", "花"))
        self.login(self.soudan)

        response = self.client.get(reverse("participation_match_case", args=[case.pk]))

        self.assertEqual(response.status_code, 404)

    def test_the_page_reads_the_same_number_of_queries_however_many_offers(self) -> None:
        case = open_case(self.soudan)
        assess(case, self.soudan, outing_level=OutingLevel.NEIGHBOURHOOD)
        self.login(self.soudan)
        url = reverse("participation_match_case", args=[case.pk])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for number in range(12):
            make_offer(self.aoba, f"作業{number}", accompaniment_possible=True)
        with CaptureQueriesContext(connection) as many:
            self.client.get(url)

        self.assertEqual(len(few), len(many))

    def test_the_offer_page_lists_the_persons_of_the_own_organisation(self) -> None:
        own = open_case(self.soudan, title="自宅から出ない人")
        assess(own, self.soudan, outing_level=OutingLevel.HOME_ONLY)
        theirs = open_case(
            self.minato, make_person(self.minato_window, "山田", "花"), title="みなと町の人"
        )
        assess(theirs, self.minato, outing_level=OutingLevel.HOME_ONLY)
        self.login(self.soudan)

        response = self.client.get(reverse("participation_match_offer", args=[self.online.pk]))

        self.assertContains(response, "自宅から出ない人")
        self.assertNotContains(response, "みなと町の人")
        self.assertContains(response, reverse("participation_match_case", args=[own.pk]))

    def test_an_offer_of_another_prefecture_answers_404(self) -> None:
        far_pref = LocalGovernment.objects.create(
            code=with_check_digit("98000"), name="となり県", kind="prefecture"
        )
        far_org = Organisation.objects.create(
            name="となり県センター",
            type=OrganisationType.HIKIKOMORI_CENTRE,
            local_government=far_pref,
        )
        far_offer = make_offer(make_host(far_org, self.specialist, "遠くの作業所"), "遠くの作業")
        self.login(self.soudan)

        response = self.client.get(reverse("participation_match_offer", args=[far_offer.pk]))

        self.assertEqual(response.status_code, 404)
