"""What the API answers to bodies that are not a JSON object, and what its document says."""

from typing import Any

from api.tests.test_cases_api import CasesApiTestCase
from cases.models import Assessment


class NonObjectBodyTests(CasesApiTestCase):
    def post_raw(self, path: str, raw: str) -> Any:
        token = self.tokens.setdefault(self.soudan.pk, self.token_for(self.soudan))
        return self.client.post(
            f"/api/v1{path}",
            raw,
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )

    def test_a_string_list_or_number_is_422_and_creates_no_assessment(self) -> None:
        case_id = self.open_case()
        for raw in ('"abc"', "[1, 2]", "42", "null", "true"):
            response = self.post_raw(f"/cases/{case_id}/assessments", raw)
            self.assertEqual(response.status_code, 422, raw)
            self.assertIn("JSON のオブジェクト", response.json()["detail"])
        self.assertFalse(Assessment.objects.filter(case_id=case_id).exists())

    def test_an_unparseable_body_is_400_in_japanese(self) -> None:
        case_id = self.open_case()
        response = self.post_raw(f"/cases/{case_id}/assessments", "{not json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("JSON として読めません", response.json()["detail"])

    def test_a_person_cannot_be_created_from_a_list(self) -> None:
        response = self.post_raw("/persons", "[]")
        self.assertEqual(response.status_code, 422)


class OpenApiCommonResponseTests(CasesApiTestCase):
    def test_every_authenticated_operation_documents_401_and_every_write_400(self) -> None:
        document = self.client.get("/api/v1/openapi.json").json()
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                responses = operation["responses"]
                if operation.get("security"):
                    self.assertIn("401", responses, f"{method} {path}")
                if method in {"post", "put", "patch"}:
                    self.assertIn("400", responses, f"{method} {path}")
