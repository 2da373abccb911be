import json
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from api.tests.test_api import ApiTestCase
from audit.models import AuditEvent
from cases.models import Activity, Assessment, Case, Stage, StageChange, SupportPlan
from collaboration.models import Agency, AgencyCategory, Referral
from consultations.intake import DISPOSITION_REQUIRED
from consultations.models import Consultation
from people.models import Person


class CasesApiTestCase(ApiTestCase):
    def setUp(self) -> None:
        self.tokens: dict[int, str] = {}
        self.agency = Agency.objects.create(
            local_government=self.window.local_government,
            name="つなぐ市保健センター",
            category=AgencyCategory.PUBLIC_HEALTH,
        )
        self.today = timezone.localdate()

    def call(self, method: str, path: str, user: User, body: Any = None) -> Any:
        if user.pk not in self.tokens:
            self.tokens[user.pk] = self.token_for(user)
        return self.client.generic(
            method,
            f"/api/v1{path}",
            json.dumps(body) if body is not None else "",
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.tokens[user.pk]}"},
        )

    def intake(self, user: User | None = None, **overrides: Any) -> Any:
        body = {
            "channel": "phone",
            "consulter_type": "family",
            "consulter_relationship": "mother",
            "consulter_name": "高橋 和子",
            "main_concern": "hikikomori",
            "categories": ["family"],
            "content": "息子が10年ほど家から出ていない。",
            "disposition": "continue",
            "new_person": {"family_name": "高橋", "given_name": "勇気", "birth_date": "1975-05-05"},
            **overrides,
        }
        return self.call("POST", "/consultations", user or self.soudan, body)

    def open_case(self) -> int:
        response = self.intake()
        self.assertEqual(response.status_code, 201, response.content)
        case_id: int = response.json()["case_id"]
        return case_id

    def add_assessment(self, case_id: int) -> Any:
        body = {
            "outing_level": "home_only",
            "state_since_year": 2015,
            "medical_flags": ["mood"],
            "medical_history": "以前、心療内科に通院していた。",
            "life_domains": {"isolation": "issue", "finances": "watch"},
            "wishes_person": "昼夜逆転を直したい",
        }
        return self.call("POST", f"/cases/{case_id}/assessments", self.soudan, body)

    def plan_body(self, based_on: int, **overrides: Any) -> dict[str, Any]:
        return {
            "based_on": based_on,
            "long_term_goal": "家の外に安心できる居場所を持つ",
            "short_term_goals": "月に1回、訪問で話す",
            "review_on": (self.today + timedelta(days=90)).isoformat(),
            "actions": [{"description": "月1回の訪問", "responsible_worker_id": self.soudan.pk}],
            **overrides,
        }


class CaseFlowTests(CasesApiTestCase):
    def test_from_intake_to_closure(self) -> None:
        # Intake: a consultation to continue supporting opens a case.
        response = self.intake()
        self.assertEqual(response.status_code, 201, response.content)
        consultation = response.json()
        self.assertEqual(consultation["disposition_label"], "自機関で継続支援")
        self.assertEqual(consultation["person"]["family_name"], "高橋")
        self.assertEqual(consultation["categories"], ["hikikomori", "family"])
        case_id = consultation["case_id"]
        self.assertIsNotNone(case_id)

        cases = self.call("GET", "/cases", self.soudan).json()["items"]
        self.assertEqual([(c["id"], c["stage"]) for c in cases], [(case_id, "intake")])

        # Assessment.
        response = self.add_assessment(case_id)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(
            (response.json()["number"], response.json()["medical_flags"]), (1, ["mood"])
        )

        # Plan, then a plan based on a version that is no longer the latest.
        response = self.call("POST", f"/cases/{case_id}/plans", self.soudan, self.plan_body(0))
        self.assertEqual(response.status_code, 201, response.content)
        plan = response.json()
        self.assertEqual(plan["number"], 1)
        self.assertEqual(plan["actions"][0]["responsible_worker"]["id"], self.soudan.pk)
        stale = self.plan_body(0, long_term_goal="別の目標")
        response = self.call("POST", f"/cases/{case_id}/plans", self.douryou, stale)
        self.assertEqual(response.status_code, 409)
        self.assertIn("第1版", response.json()["detail"])
        self.assertEqual(SupportPlan.objects.filter(case_id=case_id).count(), 1)

        # Activity: a future time is refused, the present is recorded.
        future = (timezone.now() + timedelta(hours=2)).isoformat()
        body = {"occurred_at": future, "kind": "home_visit", "content": "訪問"}
        response = self.call("POST", f"/cases/{case_id}/activities", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["errors"]["occurred_at"], ["未来の日時は記録できません。"])
        self.assertFalse(Activity.objects.exists())
        body = {
            "occurred_at": timezone.now().isoformat(),
            "kind": "home_visit",
            "visit_outcome": "met_person",
            "content": "玄関先で少し話せた。",
        }
        response = self.call("POST", f"/cases/{case_id}/activities", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertTrue(response.json()["met_person"])
        self.assertEqual(Case.objects.get(pk=case_id).first_met_on, self.today)

        # Referral: while it is open the case cannot be closed.
        body = {
            "case_id": case_id,
            "agency_id": self.agency.pk,
            "purpose": "医療につなぐ相談",
            "follow_up_on": (self.today + timedelta(days=14)).isoformat(),
        }
        response = self.call("POST", "/referrals", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        referral = response.json()
        self.assertEqual(
            (referral["state"], referral["person"]["family_name"]), ("proposed", "高橋")
        )
        version = self.call("GET", f"/cases/{case_id}", self.soudan).json()["version"]
        close = {"reason": "transferred", "version": version}
        response = self.call("POST", f"/cases/{case_id}/close", self.soudan, close)
        self.assertEqual(response.status_code, 422)
        self.assertIn("結果がまだ決まっていないつなぎがあります", response.json()["detail"])
        self.assertIn("つなぐ市保健センター", response.json()["detail"])

        body = {"state": "connected", "version": referral["version"], "note": "初回面談済"}
        response = self.call("POST", f"/referrals/{referral['id']}/state", self.soudan, body)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            [event["state"] for event in response.json()["events"]], ["proposed", "connected"]
        )

        # The case page shows everything; closing now succeeds.
        detail = self.call("GET", f"/cases/{case_id}", self.soudan).json()
        self.assertEqual(detail["stage"], "plan")
        self.assertEqual(detail["latest_assessment"]["life_domains"]["isolation"], "issue")
        self.assertEqual(detail["latest_plan"]["number"], 1)
        self.assertEqual((detail["activity_count"], len(detail["activities"])), (1, 1))
        self.assertEqual([r["state"] for r in detail["referrals"]], ["connected"])
        close["follow_up_on"] = (self.today + timedelta(days=180)).isoformat()
        response = self.call("POST", f"/cases/{case_id}/close", self.soudan, close)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(
            (response.json()["stage"], response.json()["closure_reason_label"]),
            ("closed", "他機関へ移行"),
        )

        # Reopening keeps the history.
        body = {"version": response.json()["version"]}
        response = self.call("POST", f"/cases/{case_id}/reopen", self.soudan, body)
        self.assertEqual((response.status_code, response.json()["stage"]), (200, "support"))

    def test_a_consultation_without_disposition_is_422_and_saves_nothing(self) -> None:
        response = self.intake(disposition="")
        self.assertEqual(response.status_code, 422)
        # The intake page's message.
        self.assertEqual(response.json()["errors"]["disposition"], [DISPOSITION_REQUIRED])
        self.assertFalse(Consultation.objects.exists())
        self.assertFalse(Person.objects.exists())
        self.assertFalse(Case.objects.exists())
        created = {row.object_type for row in self.audit_rows(action=AuditEvent.Action.CREATE)}
        self.assertFalse(created & {"consultations.consultation", "people.person", "cases.case"})

    def test_bad_fields_are_422_in_japanese_per_field(self) -> None:
        response = self.intake(channel="pigeon", new_person={"family_name": ""}, main_concern="")
        self.assertEqual(response.status_code, 422)
        errors = response.json()["errors"]
        self.assertEqual(errors["channel"], ["相談方法は一覧にあるものから選んでください。"])
        self.assertEqual(errors["main_concern"], ["主な相談内容を1つ選んでください。"])
        self.assertIn("仮名", errors["new_person"][0])
        self.assertFalse(Consultation.objects.exists())

    def test_a_referral_at_intake_needs_an_agency_and_is_followed(self) -> None:
        response = self.intake(disposition="refer")
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            set(response.json()["errors"]),
            {"agency_id", "referral_purpose", "referral_follow_up_on"},
        )
        follow_up = (self.today + timedelta(days=7)).isoformat()
        response = self.intake(
            disposition="refer",
            agency_id=self.agency.pk,
            referral_purpose="就労に向けた相談",
            referral_follow_up_on=follow_up,
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertIsNone(response.json()["case_id"])
        referral_id = response.json()["referral_id"]
        open_referrals = self.call("GET", "/referrals?open=true", self.douryou).json()["items"]
        self.assertEqual([r["id"] for r in open_referrals], [referral_id])
        others = self.call("GET", "/referrals?open=true", self.minato).json()
        self.assertEqual((others["count"], others["items"]), (0, []))

    def test_an_existing_person_is_found_by_id_and_the_day_is_listed(self) -> None:
        person_id = self.intake().json()["person"]["id"]
        response = self.intake(new_person=None, person_id=person_id, disposition="information")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(Person.objects.count(), 1)
        self.assertEqual(Case.objects.count(), 1)
        listed = self.call("GET", f"/consultations?date={self.today.isoformat()}", self.douryou)
        self.assertEqual(listed.json()["count"], 2)
        self.assertEqual(len(listed.json()["items"]), 2)
        other_day = self.call("GET", "/consultations?date=2001-01-01", self.soudan).json()
        self.assertEqual(other_day["items"], [])
        response = self.call("GET", "/consultations?date=2025-02-30", self.soudan)
        self.assertEqual(response.status_code, 422)
        self.assertIn("存在しない日付", response.json()["errors"]["date"][0])

    def test_a_plan_without_goals_is_422(self) -> None:
        case_id = self.open_case()
        body = self.plan_body(0, long_term_goal="", short_term_goals=" ")
        response = self.call("POST", f"/cases/{case_id}/plans", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        errors = response.json()["errors"]
        self.assertEqual(errors["long_term_goal"], ["長期目標を入力してください。"])
        self.assertEqual(errors["short_term_goals"], ["短期目標を入力してください。"])
        self.assertFalse(SupportPlan.objects.exists())

    def test_an_activity_before_the_case_opened_is_422(self) -> None:
        person_id = self.intake(disposition="information").json()["person"]["id"]
        body = {
            "title": "高橋さん",
            "person_id": person_id,
            "opened_on": (self.today - timedelta(days=10)).isoformat(),
        }
        response = self.call("POST", "/cases", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        case_id = response.json()["id"]
        earlier = (timezone.now() - timedelta(days=20)).isoformat()
        body = {"occurred_at": earlier, "kind": "phone", "content": "電話"}
        response = self.call("POST", f"/cases/{case_id}/activities", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("開始日より前", response.json()["errors"]["occurred_at"][0])

    def test_activities_are_paginated(self) -> None:
        case_id = self.open_case()
        for minutes in range(3):
            occurred = (timezone.now() - timedelta(minutes=minutes)).isoformat()
            body = {"occurred_at": occurred, "kind": "phone", "content": f"電話{minutes}"}
            self.call("POST", f"/cases/{case_id}/activities", self.soudan, body)
        page = self.call("GET", f"/cases/{case_id}/activities?offset=1&limit=1", self.soudan)
        self.assertEqual(
            (page.json()["count"], [a["content"] for a in page.json()["items"]]), (3, ["電話1"])
        )
        response = self.call("GET", f"/cases/{case_id}/activities?limit=101", self.soudan)
        self.assertEqual(response.status_code, 422)
        self.assertIn("limit", response.json()["errors"])

    def test_a_stale_stage_change_is_409(self) -> None:
        case_id = self.open_case()
        body = {"stage": "support", "version": 1}
        self.assertEqual(
            self.call("POST", f"/cases/{case_id}/stage", self.soudan, body).status_code, 200
        )
        response = self.call("POST", f"/cases/{case_id}/stage", self.douryou, body)
        self.assertEqual(response.status_code, 409)
        self.assertIn("ほかの人が先に", response.json()["detail"])
        self.assertEqual(Case.objects.get(pk=case_id).stage, Stage.SUPPORT)

    def test_a_second_open_case_of_the_person_is_422_naming_the_open_one(self) -> None:
        case_id = self.open_case()  # the intake opened 高橋 勇気's case
        person_id = Case.objects.get(pk=case_id).person_id
        body = {"title": "2件目", "person_id": person_id}
        response = self.call("POST", "/cases", self.soudan, body)
        self.assertEqual(response.status_code, 422, response.content)
        self.assertIn(
            f"ケース #{case_id}「高橋 勇気さんの支援」",
            json.dumps(response.json(), ensure_ascii=False),
        )
        self.assertEqual(Case.objects.filter(person_id=person_id).count(), 1)
        # A second consultation of the person continues the open case (intake reuses it).
        again = self.intake(new_person=None, person_id=person_id)
        self.assertEqual((again.status_code, again.json()["case_id"]), (201, case_id))

    def test_a_closure_takes_the_memo_of_its_reason_like_the_page(self) -> None:
        case_id = self.open_case()
        version = self.call("GET", f"/cases/{case_id}", self.soudan).json()["version"]
        close = {"reason": "other", "note": "本人の希望で一区切り", "version": version}
        response = self.call("POST", f"/cases/{case_id}/close", self.soudan, close)
        self.assertEqual(response.status_code, 200, response.content)
        changes = self.call("GET", f"/cases/{case_id}", self.soudan).json()["stage_changes"]
        self.assertEqual(
            (changes[-1]["to_stage"], changes[-1]["note"], changes[-1]["note_label"]),
            ("closed", "その他：本人の希望で一区切り", "その他：本人の希望で一区切り"),
        )

    def test_a_memo_too_long_is_422_and_the_case_stays_open(self) -> None:
        case_id = self.open_case()
        version = self.call("GET", f"/cases/{case_id}", self.soudan).json()["version"]
        close = {"reason": "other", "note": "あ" * 201, "version": version}
        response = self.call("POST", f"/cases/{case_id}/close", self.soudan, close)
        self.assertEqual(response.status_code, 422)
        self.assertIn("note", response.json()["errors"])
        self.assertNotEqual(Case.objects.get(pk=case_id).stage, Stage.CLOSED)

    def test_an_old_closure_row_that_kept_the_code_reads_in_japanese(self) -> None:
        case_id = self.open_case()
        version = self.call("GET", f"/cases/{case_id}", self.soudan).json()["version"]
        close = {"reason": "other", "version": version}
        self.call("POST", f"/cases/{case_id}/close", self.soudan, close)
        # Closures stored the reason's code as the memo before the label was written.
        StageChange.objects.filter(case_id=case_id, to_stage=Stage.CLOSED).update(note="other")
        changes = self.call("GET", f"/cases/{case_id}", self.soudan).json()["stage_changes"]
        self.assertEqual((changes[-1]["note"], changes[-1]["note_label"]), ("other", "その他"))
        self.login(self.soudan)
        page = self.client.get(f"/cases/{case_id}/")
        self.assertContains(page, "） その他</li>")
        self.assertNotContains(page, " other</li>")


class CaseAccessTests(CasesApiTestCase):
    def test_another_office_gets_404(self) -> None:
        case_id = self.open_case()
        for user in (self.minato, self.houkatsu):
            for method, path, body in (
                ("GET", f"/cases/{case_id}", None),
                ("GET", f"/cases/{case_id}/assessments", None),
                ("POST", f"/cases/{case_id}/stage", {"stage": "support", "version": 1}),
                ("POST", f"/cases/{case_id}/plans", self.plan_body(0)),
            ):
                response = self.call(method, path, user, body)
                self.assertEqual(response.status_code, 404, (user, path))
                self.assertEqual(response.json()["detail"], "該当する記録がありません。")
            self.assertNotIn(
                case_id, [c["id"] for c in self.call("GET", "/cases", user).json()["items"]]
            )
        self.assertFalse(SupportPlan.objects.exists())
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, object_type="cases.case")
        self.assertEqual({row.detail["reason"] for row in denied}, {"out_of_scope"})

    def test_another_offices_person_or_referral_is_404_and_nothing_is_saved(self) -> None:
        elsewhere = Person.objects.create(organisation=self.minato_window, family_name="港")
        response = self.intake(new_person=None, person_id=elsewhere.pk)
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Consultation.objects.exists())
        follow_up = self.today.isoformat()
        response = self.intake(
            disposition="refer",
            agency_id=self.agency.pk,
            referral_purpose="保健師の訪問",
            referral_follow_up_on=follow_up,
        )
        referral_id = response.json()["referral_id"]
        self.assertEqual(
            self.call("GET", f"/referrals/{referral_id}", self.houkatsu).status_code, 404
        )
        body = {"state": "failed", "version": 1, "note": "x"}
        response = self.call("POST", f"/referrals/{referral_id}/state", self.minato, body)
        self.assertEqual(response.status_code, 404)
        self.assertEqual(Referral.objects.get().state, Referral.State.PROPOSED)

    def test_the_statistics_clerk_gets_403(self) -> None:
        case_id = self.open_case()
        for method, path, body in (
            ("GET", "/cases", None),
            ("GET", f"/cases/{case_id}", None),
            ("GET", "/consultations", None),
            ("GET", "/referrals", None),
            ("POST", "/consultations", {"disposition": "information"}),
            ("POST", "/agencies", {"name": "x", "category": "other"}),
        ):
            response = self.call(method, path, self.toukei, body)
            self.assertEqual(response.status_code, 403, path)
            self.assertIn("権限がありません", response.json()["detail"])

    def test_sensitive_fields_are_hidden_from_a_colleague_off_the_team(self) -> None:
        case_id = self.open_case()
        self.add_assessment(case_id)
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()

        detail = self.call("GET", f"/cases/{case_id}", self.douryou).json()
        assessment = detail["latest_assessment"]
        self.assertEqual(
            (assessment["sensitive_hidden"], assessment["medical_flags"]),
            (True, None),
        )
        self.assertIsNone(assessment["medical_history"])
        self.assertEqual(assessment["outing_level"], "home_only")
        listed = self.call("GET", f"/cases/{case_id}/assessments", self.douryou).json()["items"]
        self.assertEqual(listed[0]["medical_history"], None)
        self.assertEqual(self.audit_rows(object_type="cases.assessment", id__gt=before), [])
        reads = self.audit_rows(action=AuditEvent.Action.READ, actor=self.douryou)
        self.assertEqual({row.object_type for row in reads}, {"cases.case"})
        self.assertFalse(any("medical_flags" in row.detail["fields"] for row in reads))

    def test_sensitive_fields_are_shown_to_the_lead_and_audited(self) -> None:
        case_id = self.open_case()
        self.add_assessment(case_id)
        detail = self.call("GET", f"/cases/{case_id}", self.soudan).json()
        assessment = detail["latest_assessment"]
        self.assertFalse(assessment["sensitive_hidden"])
        self.assertEqual(assessment["medical_flag_labels"], ["気分障害の可能性"])
        self.assertEqual(assessment["medical_history"], "以前、心療内科に通院していた。")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="cases.assessment")
        self.assertEqual(row.detail["fields"], ["medical_flags", "medical_history"])
        self.assertEqual(row.detail["ids"], [assessment["id"]])
        self.assertNotIn("心療内科", row.canonical())

    def test_a_colleague_off_the_team_cannot_write_sensitive_fields(self) -> None:
        case_id = self.open_case()
        body = {"medical_flags": ["mood"], "outing_level": "room_only"}
        response = self.call("POST", f"/cases/{case_id}/assessments", self.douryou, body)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(Assessment.objects.exists())
        response = self.call(
            "POST", f"/cases/{case_id}/assessments", self.douryou, {"outing_level": "room_only"}
        )
        self.assertEqual(response.status_code, 201)
        self.assertTrue(response.json()["sensitive_hidden"])

    def test_a_restricted_persons_name_is_hidden_in_the_case(self) -> None:
        case_id = self.open_case()
        Person.objects.update(is_restricted=True)
        case = self.call("GET", f"/cases/{case_id}", self.douryou).json()
        self.assertEqual(case["person"]["label"], f"制限対象者 #{case['person']['id']}")
        self.assertNotIn("高橋", case["title"])
        self.assertIn("高橋", self.call("GET", f"/cases/{case_id}", self.soudan).json()["title"])
        (consultation,) = self.call("GET", "/consultations", self.douryou).json()["items"]
        self.assertIsNone(consultation["consulter_name"])


class AgencyApiTests(CasesApiTestCase):
    def test_the_directory_lists_the_municipality_and_prefecture(self) -> None:
        pref = self.window.local_government.prefecture
        assert pref is not None
        Agency.objects.create(
            local_government=pref,
            name="つなぐ県精神保健福祉センター",
            category="mental_health_centre",
        )
        Agency.objects.create(
            local_government=self.minato_window.local_government,
            name="みなと町保健センター",
            category="public_health",
        )
        names = {a["name"] for a in self.call("GET", "/agencies", self.soudan).json()["items"]}
        self.assertEqual(names, {"つなぐ市保健センター", "つなぐ県精神保健福祉センター"})
        hits = self.call("GET", "/agencies?q=精神", self.soudan).json()["items"]
        self.assertEqual([a["name"] for a in hits], ["つなぐ県精神保健福祉センター"])

    def test_an_agency_is_added_once(self) -> None:
        body = {"name": "NPO法人 あした", "category": "private_group", "phone": "000-0000-0000"}
        response = self.call("POST", "/agencies", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["local_government_name"], "つなぐ市")
        response = self.call("POST", "/agencies", self.douryou, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("すでに", response.json()["errors"]["name"][0])

    def test_a_referral_to_an_agency_outside_the_directory_is_422(self) -> None:
        case_id = self.open_case()
        elsewhere = Agency.objects.create(
            local_government=self.minato_window.local_government,
            name="みなと町保健センター",
            category="public_health",
        )
        body = {
            "case_id": case_id,
            "agency_id": elsewhere.pk,
            "purpose": "x",
            "follow_up_on": self.today.isoformat(),
        }
        response = self.call("POST", "/referrals", self.soudan, body)
        self.assertEqual(response.status_code, 422)
        self.assertIn("agency_id", response.json()["errors"])
        self.assertFalse(Referral.objects.exists())
