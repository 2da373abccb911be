"""The rules of the records themselves: visits, tours, offers' places, placements' end, the
one-year limit of 就労準備支援 and its exception."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.tests.helpers import open_case
from participation.models import (
    HostSuggestion,
    Placement,
    PlacementStage,
    WorkReadinessEnrolment,
    one_year_from,
)
from participation.services import (
    ATTENDEE_NOT_AVAILABLE,
    NEXT_STEP_BEFORE_VISIT,
    NEXT_STEP_DATE_WITHOUT_STEP,
    OWNER_EDITS_DIRECTLY,
    VISIT_IN_FUTURE,
    offer_edit,
    suggestion_file,
    tour_record,
    visit_record,
)
from participation.tests.helpers import make_host, make_offer, other_prefecture_worker
from tsunagu.test import BaseTestCase


class HostRecordTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.centre = cls.world.staff["centre"]
        cls.host = make_host(cls.centre, "あおばの里", shared_in_prefecture=True)

    def visit(self, **data: object) -> None:
        visit_record(
            host=self.host,
            data={
                "visited_on": timezone.localdate(),
                "notes": "事業の説明",
                "next_step": "",
                "next_step_on": None,
                **data,
            },
            by=self.centre,
        )

    def test_a_visit_is_in_the_past_and_its_next_step_has_words_and_a_later_date(self) -> None:
        today = timezone.localdate()
        cases = [
            ({"visited_on": today + timedelta(days=1)}, "visited_on", VISIT_IN_FUTURE),
            (
                {"next_step": "再訪", "next_step_on": today - timedelta(days=1)},
                "next_step_on",
                NEXT_STEP_BEFORE_VISIT,
            ),
            ({"next_step_on": today + timedelta(days=7)}, "next_step", NEXT_STEP_DATE_WITHOUT_STEP),
        ]
        for data, field, message in cases:
            with self.subTest(field=field), self.assertRaises(ValidationError) as caught:
                self.visit(**data)
            self.assertEqual(caught.exception.message_dict, {field: [message]})
        self.visit(next_step="作業を書き出す", next_step_on=today + timedelta(days=7))
        self.assertEqual(self.host.visits.get().next_step, "作業を書き出す")

    def test_a_tour_records_staff_of_the_prefecture_only(self) -> None:
        stranger = other_prefecture_worker()
        with self.assertRaises(ValidationError) as caught:
            tour_record(
                host=self.host,
                held_on=timezone.localdate(),
                notes="",
                attendees=[self.soudan, stranger],
                by=self.centre,
            )
        self.assertEqual(caught.exception.message_dict, {"attendees": [ATTENDEE_NOT_AVAILABLE]})
        tour = tour_record(
            host=self.host,
            held_on=timezone.localdate(),
            notes="見学会",
            attendees=[self.soudan, self.minato],
            by=self.centre,
        )
        self.assertEqual(set(tour.attendees.all()), {self.soudan, self.minato})

    def test_the_owner_does_not_suggest(self) -> None:
        with self.assertRaisesMessage(ValidationError, OWNER_EDITS_DIRECTLY):
            suggestion_file(host=self.host, changes={"name": "x"}, note="", by=self.centre)
        self.assertFalse(HostSuggestion.objects.exists())


class PlacesTests(BaseTestCase):
    def test_places_free_count_active_placements_and_the_places_cannot_drop_below(self) -> None:
        centre = self.world.staff["centre"]
        host = make_host(centre, "あおばの里", shared_in_prefecture=True)
        offer = make_offer(centre, host, places=2)
        case = open_case(self.soudan)
        Placement.objects.create(case=case, offer=offer, created_by=self.soudan)
        Placement.objects.create(
            case=open_case(self.soudan, title="二人目"),
            offer=offer,
            stage=PlacementStage.ENDED,
            end_reason="employed",
            ended_on=timezone.localdate(),
            created_by=self.soudan,
        )
        self.assertEqual(offer.places_free(), 1)
        with self.assertRaises(ValidationError) as caught:
            offer_edit(offer=offer, data={"places": 0}, version=1, by=centre)
        self.assertIn("places", caught.exception.message_dict)
        Placement.objects.create(
            case=open_case(self.soudan, title="三人目"), offer=offer, created_by=self.soudan
        )
        with self.assertRaises(ValidationError) as caught:
            offer_edit(offer=offer, data={"places": 1}, version=1, by=centre)
        self.assertEqual(
            caught.exception.message_dict["places"],
            ["定員を2人より少なくはできません（いま2人が参加・調整中です）。"],
        )

    def test_an_ended_placement_needs_its_reason_and_date(self) -> None:
        centre = self.world.staff["centre"]
        offer = make_offer(centre, make_host(centre, "あおばの里"))
        with self.assertRaises(IntegrityError), transaction.atomic():
            Placement.objects.create(
                case=open_case(self.soudan),
                offer=offer,
                stage=PlacementStage.ENDED,
                created_by=self.soudan,
            )


class EnrolmentTests(BaseTestCase):
    def test_the_limit_is_one_year_less_a_day_from_the_start(self) -> None:
        self.assertEqual(one_year_from(date(2025, 4, 1)), date(2026, 3, 31))
        self.assertEqual(one_year_from(date(2024, 2, 29)), date(2025, 2, 28))
        enrolment = WorkReadinessEnrolment.objects.create(
            case=open_case(self.soudan),
            provider=self.window,
            started_on=date(2025, 6, 10),
            created_by=self.soudan,
        )
        self.assertEqual((enrolment.ends_on, enrolment.limit), (date(2026, 6, 9),) * 2)

    def test_an_extension_needs_an_approver_and_a_later_date(self) -> None:
        case = open_case(self.soudan)
        for approver, until in ((None, date(2026, 12, 31)), (self.soudan, date(2026, 1, 1))):
            with (
                self.subTest(until=until),
                self.assertRaises(IntegrityError),
                transaction.atomic(),
            ):
                WorkReadinessEnrolment.objects.create(
                    case=case,
                    provider=self.window,
                    started_on=date(2025, 6, 10),
                    extended_until=until,
                    extension_reason="ひきこもり状態が長く、段階的な支援が必要",
                    extension_approved_by=approver,
                    created_by=self.soudan,
                )
        extended = WorkReadinessEnrolment.objects.create(
            case=case,
            provider=self.window,
            started_on=date(2025, 6, 10),
            extended_until=date(2026, 12, 9),
            extension_reason="ひきこもり状態が長く、段階的な支援が必要",
            extension_approved_by=self.soudan,
            created_by=self.soudan,
        )
        self.assertEqual(extended.limit, date(2026, 12, 9))
