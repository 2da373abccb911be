"""Bad API tokens: counted per address, apart from the login page, answered 429 + Retry-After."""

from io import StringIO
from typing import Any

from django.core.management import call_command
from django.test import Client

from accounts.models import LoginThrottle
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase

STRANGER = "203.0.113.9"


def get_me(token: str, address: str = STRANGER) -> Any:
    client = Client(REMOTE_ADDR=address)
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


class TokenThrottleTests(BaseTestCase):
    def test_an_address_sending_bad_tokens_gets_429_with_retry_after(self) -> None:
        statuses = [get_me("tsg_bad").status_code for _ in range(21)]
        self.assertEqual(statuses, [401] * 20 + [429])
        response = get_me("tsg_bad")
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response["Retry-After"], "60")
        self.assertIn("Retry-After", response.json()["detail"])

    def test_refused_tokens_are_neither_counted_nor_audited(self) -> None:
        for _ in range(40):
            get_me("tsg_bad")
        row = LoginThrottle.objects.get(kind=LoginThrottle.Kind.API_ADDRESS)
        self.assertEqual((row.failures, row.refused), (20, 20))
        self.assertEqual(len(self.audit_rows(action=AuditEvent.Action.LOGIN_FAILED)), 20)

    def test_a_refused_token_costs_three_queries(self) -> None:
        for _ in range(20):
            get_me("tsg_bad")
        # the token, the address's wait, its refusal count
        with self.assertNumQueries(3):
            self.assertEqual(get_me("tsg_bad").status_code, 429)

    def test_a_valid_token_still_works_from_a_throttled_address(self) -> None:
        out = StringIO()
        call_command("create_api_token", "soudan", stdout=out, stderr=StringIO())
        for _ in range(25):
            get_me("tsg_bad")
        self.assertEqual(get_me(out.getvalue().strip()).status_code, 200)

    def test_another_address_is_not_throttled(self) -> None:
        for _ in range(25):
            get_me("tsg_bad")
        self.assertEqual(get_me("tsg_bad", "198.51.100.20").status_code, 401)

    def test_the_openapi_document_names_the_429_on_every_token_operation(self) -> None:
        document = self.client.get("/api/v1/openapi.json").json()
        operations = [
            operation
            for methods in document["paths"].values()
            for operation in methods.values()
            if operation.get("security")
        ]
        self.assertTrue(operations)
        for operation in operations:
            answer = operation["responses"]["429"]
            self.assertIn("Retry-After", answer["headers"])
            self.assertEqual(
                answer["content"]["application/json"]["schema"]["properties"]["detail"]["type"],
                "string",
            )
