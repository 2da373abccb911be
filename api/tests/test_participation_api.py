"""参加支援 in the API: the same access, forms and services as the pages, their refusals as 422."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from api.tests.test_cases_api import CasesApiTestCase
from audit.models import AuditEvent
from cases.models import Case
from cases.tests.helpers import make_person, open_case
from participation.models import Host, Offer, PlacementStage, WorkReadinessEnrolment
from participation.tests.helpers import (
    host_data,
    make_host,
    make_offer,
    make_offer_of_own_host,
    offer_data,
    other_prefecture_worker,
)


def offer_body(title: str, **data: Any) -> dict[str, Any]:
    """The helpers' offer as a JSON body (the hours as the string of a decimal)."""
    return {**offer_data(title), "min_hours_per_week": "1", **data}


class ParticipationApiTestCase(CasesApiTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.centre = self.world.staff["centre"]
        self.shared = make_host(self.centre, "あおばの里", shared_in_prefecture=True)
        self.local = make_host(self.soudan, "まちの本屋 ひなた堂", kind="shop")

    def case_of_soudan(self, given_name: str = "美和") -> Case:
        return open_case(self.soudan, make_person(self.window, "佐藤", given_name))


class HostTests(ParticipationApiTestCase):
    def test_the_list_holds_the_own_and_the_prefectures_shared_hosts_a_page_at_a_time(self) -> None:
        elsewhere = other_prefecture_worker()
        make_host(elsewhere, "やまなみ農園", shared_in_prefecture=True)
        page = self.call("GET", "/hosts?limit=1", self.soudan).json()
        self.assertEqual((page["count"], page["next_offset"]), (2, 1))
        (first,) = page["items"]
        self.assertEqual(first["name"], "あおばの里")
        self.assertEqual(first["owner"]["name"], "つなぐ県ひきこもり地域支援センター")
        self.assertEqual(first["kind_label"], "社会福祉法人")
        self.assertFalse(first["can_edit"])
        second = self.call("GET", "/hosts?offset=1", self.soudan).json()["items"]
        self.assertEqual(
            [(h["name"], h["can_edit"]) for h in second], [("まちの本屋 ひなた堂", True)]
        )

    def test_a_host_of_another_prefecture_is_404(self) -> None:
        elsewhere = make_host(other_prefecture_worker(), "やまなみ農園", shared_in_prefecture=True)
        response = self.call("GET", f"/hosts/{elsewhere.pk}", self.soudan)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response.json()["detail"], "該当する記録がありません。")
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.detail["reason"], "out_of_scope")

    def test_another_organisations_unshared_host_is_404(self) -> None:
        response = self.call("GET", f"/hosts/{self.local.pk}", self.minato)
        self.assertEqual(response.status_code, 404)

    def test_a_municipality_editing_the_prefectures_host_is_403(self) -> None:
        body = {"contact_name": "施設長 青山", "version": self.shared.version}
        response = self.call("PATCH", f"/hosts/{self.shared.pk}", self.minato, body)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(
            response.json()["detail"],
            "この受入先を編集できるのは、開拓した機関（つなぐ県ひきこもり地域支援センター）の"
            "職員です。変更が必要なときは「変更を提案」から提案してください。",
        )
        self.shared.refresh_from_db()
        self.assertEqual(self.shared.contact_name, "施設長 青木")
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.detail["reason"], "not_host_owner")

    def test_the_owner_edits_the_fields_sent_with_the_version_read(self) -> None:
        path = f"/hosts/{self.shared.pk}"
        body = {"status": "paused", "notes": "冬の間は休止"}
        missing = self.call("PATCH", path, self.centre, body)
        self.assertEqual(missing.status_code, 422)
        self.assertEqual(
            missing.json()["errors"], {"version": ["読み込んだときの version を送ってください。"]}
        )
        response = self.call("PATCH", path, self.centre, {**body, "version": 1})
        self.assertEqual(response.status_code, 200, response.content)
        data = response.json()
        self.assertEqual(
            (data["status_label"], data["notes"], data["version"]), ("休止", "冬の間は休止", 2)
        )
        self.assertEqual(data["name"], "あおばの里")  # not sent: kept
        stale = self.call("PATCH", path, self.centre, {"notes": "再開", "version": 1})
        self.assertEqual(stale.status_code, 409)
        self.assertIn("ほかの人が先にこの受入先を更新しました", stale.json()["detail"])

    def test_a_host_is_registered_for_the_workers_organisation(self) -> None:
        body = {**host_data("農園 みのり"), "kind": "farm"}
        response = self.call("POST", "/hosts", self.minato, body)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["owner"]["name"], self.minato_window.name)
        self.assertEqual((data["kind_label"], data["status_label"]), ("農業", "受入可"))
        self.assertTrue(Host.objects.filter(name="農園 みのり", owner=self.minato_window).exists())

    def test_a_host_without_name_or_kind_is_422(self) -> None:
        response = self.call("POST", "/hosts", self.soudan, {"name": "", "kind": "castle"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(set(response.json()["errors"]), {"name", "kind"})
        self.assertIn("受入先の名称", response.json()["errors"]["name"][0])


class OfferTests(ParticipationApiTestCase):
    def test_an_offer_is_added_by_the_hosts_owner_and_lists_its_places(self) -> None:
        body = offer_body("配架の手伝い", min_hours_per_week="1.5", places=3)
        response = self.call("POST", f"/hosts/{self.local.pk}/offers", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(data["host"]["name"], "まちの本屋 ひなた堂")
        self.assertEqual((data["places"], data["taken"], data["places_free"]), (3, 0, 3))
        self.assertEqual(data["min_hours_per_week"], "1.5")
        self.assertEqual(data["weekdays"], ["tue", "thu"])
        self.assertTrue(data["quiet_room"])
        listed = self.call("GET", "/offers", self.soudan).json()
        self.assertEqual([o["title"] for o in listed["items"]], ["配架の手伝い"])

    def test_a_municipality_adding_an_offer_to_the_prefectures_host_is_403(self) -> None:
        body = offer_body("草取り")
        response = self.call("POST", f"/hosts/{self.shared.pk}/offers", self.soudan, body)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Offer.objects.filter(title="草取り").exists())

    def test_the_places_cannot_drop_below_those_taken(self) -> None:
        offer = make_offer(self.soudan, self.local, places=2)
        self.call(
            "POST",
            f"/cases/{self.case_of_soudan().pk}/placements",
            self.soudan,
            {"offer_id": offer.pk},
        )
        self.call(
            "POST",
            f"/cases/{self.case_of_soudan('次郎').pk}/placements",
            self.soudan,
            {"offer_id": offer.pk},
        )
        body = {"places": 1, "version": offer.version}
        response = self.call("PATCH", f"/offers/{offer.pk}", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json()["errors"],
            {"places": ["定員を2人より少なくはできません（いま2人が参加・調整中です）。"]},
        )
        read = self.call("GET", f"/offers/{offer.pk}", self.soudan).json()
        self.assertEqual((read["taken"], read["places_free"]), (2, 0))


class PlacementTests(ParticipationApiTestCase):
    def propose(self, case: Case, offer: Offer, **body: Any) -> Any:
        return self.call(
            "POST", f"/cases/{case.pk}/placements", self.soudan, {"offer_id": offer.pk, **body}
        )

    def test_a_full_offer_is_refused_with_its_count(self) -> None:
        offer = make_offer_of_own_host(self.soudan, places=1)
        first = self.propose(self.case_of_soudan(), offer)
        self.assertEqual(first.status_code, 201, first.content)
        self.assertEqual(first.json()["stage_label"], "提案")
        response = self.propose(self.case_of_soudan("次郎"), offer)
        self.assertEqual(response.status_code, 422)
        message = "この受入メニューは定員（1人）に達しています（参加中 1人）。"
        self.assertEqual(
            response.json(),
            {
                "detail": "入力内容を確認してください。保存していません。",
                "errors": {"offer_id": [message]},
            },
        )

    def test_an_offer_the_worker_does_not_see_is_refused_at_its_field(self) -> None:
        hidden = make_offer(self.minato, make_host(self.minato, "みなとの作業所"))
        response = self.propose(self.case_of_soudan(), hidden)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(list(response.json()["errors"]), ["offer_id"])

    def test_the_stages_move_forward_and_the_end_needs_its_reason(self) -> None:
        case = self.case_of_soudan()
        placement = self.propose(case, make_offer(self.soudan, self.local)).json()
        path = f"/placements/{placement['id']}/stage"
        today = timezone.localdate().isoformat()
        moved = self.call(
            "POST", path, self.soudan, {"stage": "first_visit", "on": today, "version": 1}
        )
        self.assertEqual(moved.status_code, 200, moved.content)
        self.assertEqual(
            (moved.json()["stage_label"], moved.json()["started_on"]), ("初回（同行）", today)
        )
        back = self.call("POST", path, self.soudan, {"stage": "tour", "on": today, "version": 2})
        self.assertEqual(back.status_code, 422)
        no_reason = self.call(
            "POST", path, self.soudan, {"stage": "ended", "on": today, "version": 2}
        )
        self.assertEqual(
            no_reason.json()["errors"], {"end_reason": ["終了の理由を選んでください。"]}
        )
        listed = self.call("GET", f"/cases/{case.pk}/placements", self.soudan).json()
        self.assertEqual(
            [(p["offer"]["host"]["name"], p["stage"]) for p in listed["items"]],
            [("まちの本屋 ひなた堂", PlacementStage.FIRST_VISIT)],
        )

    def test_another_offices_case_and_placement_are_404(self) -> None:
        case = self.case_of_soudan()
        placement = self.propose(case, make_offer(self.soudan, self.local)).json()
        self.assertEqual(
            self.call("GET", f"/cases/{case.pk}/placements", self.minato).status_code, 404
        )
        body = {"stage": "tour", "on": timezone.localdate().isoformat(), "version": 1}
        response = self.call("POST", f"/placements/{placement['id']}/stage", self.minato, body)
        self.assertEqual(response.status_code, 404)


class EnrolmentTests(ParticipationApiTestCase):
    def enrol(self, case: Case, started_on: str) -> Any:
        body = {
            "provider_id": self.window.pk,
            "started_on": started_on,
            "components": ["daily_life", "social"],
        }
        return self.call("POST", f"/cases/{case.pk}/enrolments", self.soudan, body)

    def test_an_enrolment_ends_one_year_after_its_start(self) -> None:
        response = self.enrol(self.case_of_soudan(), "2026-04-01")
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual((data["ends_on"], data["limit"]), ("2027-03-31", "2027-03-31"))
        self.assertEqual(data["provider"]["name"], "つなぐ市 ひきこもり相談窓口")
        read = self.call("GET", f"/enrolments/{data['id']}", self.soudan).json()
        self.assertEqual(read["components"], ["daily_life", "social"])

    def test_an_extension_without_its_reason_is_422_and_with_it_extends(self) -> None:
        start = timezone.localdate() - timedelta(days=300)
        enrolment = self.enrol(self.case_of_soudan(), start.isoformat()).json()
        path = f"/enrolments/{enrolment['id']}/extension"
        later = (timezone.localdate() + timedelta(days=200)).isoformat()
        body = {"extended_until": later, "extension_approved_by_id": self.douryou.pk, "version": 1}
        refused = self.call("POST", path, self.soudan, body)
        self.assertEqual(refused.status_code, 422)
        self.assertEqual(list(refused.json()["errors"]), ["extension_reason"])
        self.assertIn("例外に当たる事情", refused.json()["errors"]["extension_reason"][0])
        self.assertIsNone(WorkReadinessEnrolment.objects.get(pk=enrolment["id"]).extended_until)
        reason = "ひきこもりの状態にあり、週1回の参加が定着するまで1年を超える支援が必要"
        extended = self.call("POST", path, self.soudan, {**body, "extension_reason": reason})
        self.assertEqual(extended.status_code, 200, extended.content)
        data = extended.json()
        self.assertEqual((data["limit"], data["extension_reason"]), (later, reason))
        self.assertEqual(data["extension_approved_by"]["display_name"], self.douryou.display_name)

    def test_another_offices_enrolment_is_404(self) -> None:
        enrolment = self.enrol(self.case_of_soudan(), "2026-04-01").json()
        self.assertEqual(
            self.call("GET", f"/enrolments/{enrolment['id']}", self.minato).status_code, 404
        )
