"""The cases API after its split by feature: one document, the services' audit, shared refusals."""

from accounts.models import LocalGovernment
from api.tests.test_cases_api import CasesApiTestCase
from audit.models import AuditEvent
from collaboration.models import Agency
from consultations.views import DETAIL_FIELDS

AGENCY = "collaboration.agency"


class OneDocumentTests(CasesApiTestCase):
    def test_the_operation_ids_and_the_tag_are_those_of_before_the_split(self) -> None:
        # Clients generated from the OpenAPI document name their methods after the ids.
        document = self.client.get("/api/v1/openapi.json").json()
        operations = {
            (path, method): operation
            for path, methods in document["paths"].items()
            for method, operation in methods.items()
        }
        for path, method, operation_id in (
            ("/api/v1/consultations", "post", "api_cases_consultations_create"),
            ("/api/v1/cases/{case_id}", "get", "api_cases_cases_read"),
            ("/api/v1/cases/{case_id}/plans", "post", "api_cases_plans_create"),
            ("/api/v1/cases/{case_id}/activities", "get", "api_cases_activities_list"),
            ("/api/v1/referrals/{referral_id}/state", "post", "api_cases_referrals_set_state"),
            ("/api/v1/agencies", "post", "api_cases_agencies_create"),
            ("/api/v1/persons", "get", "api_people_persons_search"),
        ):
            self.assertEqual(operations[(path, method)]["operationId"], operation_id)
        cases_tag = {
            tuple(operation["tags"])
            for (path, _), operation in operations.items()
            if not path.startswith(("/api/v1/persons", "/api/v1/households"))
            and path not in ("/api/v1/me", "/api/v1/organisations")
            and not path.startswith("/api/v1/staff")
            and not operation["operationId"].startswith("api_participation_")
        }
        self.assertEqual(cases_tag, {("相談・ケース・つなぎ",)})
        participation_tag = {
            tuple(operation["tags"])
            for operation in operations.values()
            if operation["operationId"].startswith("api_participation_")
        }
        self.assertEqual(participation_tag, {("参加支援",)})


class AgencyAuditTests(CasesApiTestCase):
    def test_an_agency_is_added_by_the_service_with_field_names_only_in_the_audit(self) -> None:
        body = {"name": "NPO法人 あした", "category": "private_group", "phone": "000-1111-2222"}
        response = self.call("POST", "/agencies", self.soudan, body)
        self.assertEqual(response.status_code, 201, response.content)
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE, object_type=AGENCY)
        self.assertEqual(row.object_id, str(response.json()["id"]))
        self.assertEqual(row.detail["fields"], ["category", "local_government", "name", "phone"])
        self.assertNotIn("000-1111-2222", row.canonical())

    def test_prefecture_wide_adds_it_to_the_prefectures_directory(self) -> None:
        body = {"name": "県のNPO", "category": "other", "prefecture_wide": True}
        response = self.call("POST", "/agencies", self.soudan, body)
        self.assertEqual(response.json()["local_government_name"], "つなぐ県")
        prefecture = LocalGovernment.objects.get(name="つなぐ県")
        self.assertTrue(Agency.objects.filter(local_government=prefecture, name="県のNPO").exists())

    def test_a_refused_agency_is_not_saved_nor_audited(self) -> None:
        response = self.call("POST", "/agencies", self.soudan, {"name": "", "category": "x"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(
            response.json()["errors"],
            {
                "name": ["機関名を入力してください。"],
                "category": ["種別（表C）は一覧にあるものから選んでください。"],
            },
        )
        self.assertFalse(Agency.objects.filter(name="").exists())
        self.assertEqual(self.audit_rows(object_type=AGENCY), [])


class ReadAuditTests(CasesApiTestCase):
    def test_a_consultation_read_names_every_field_the_api_returns(self) -> None:
        consultation_id = self.intake().json()["id"]
        before = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()
        self.call("GET", f"/consultations/{consultation_id}", self.douryou)
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, id__gt=before)
        self.assertEqual(row.detail["fields"], sorted(DETAIL_FIELDS))
        self.assertIn("consulter_relationship", row.detail["fields"])


class RefusalTests(CasesApiTestCase):
    def test_reopening_uses_the_pages_form_and_still_asks_for_the_version(self) -> None:
        case_id = self.open_case()
        path = f"/cases/{case_id}/reopen"
        response = self.call("POST", path, self.soudan, {"note": "再開\x07"})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(list(response.json()["errors"]), ["note"])
        response = self.call("POST", path, self.soudan, {"note": "再開"})
        self.assertEqual(
            response.json(),
            {
                "detail": "入力内容を確認してください。保存していません。",
                "errors": {"version": ["読み込んだときの version を送ってください。"]},
            },
        )
        response = self.call("POST", path, self.soudan, {"version": 1})
        self.assertEqual(response.status_code, 422)
        self.assertEqual(response.json()["detail"], "終結していないケースは再開できません。")
        response = self.call("POST", path, self.soudan, {"version": 99})
        self.assertEqual(response.status_code, 409)
        self.assertEqual(set(response.json()), {"detail"})
