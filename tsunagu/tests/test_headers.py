"""Headers on what signed-in users and API clients receive, and the error log on disk."""

from django.conf import settings
from django.test import SimpleTestCase

from tsunagu.test import BaseTestCase


class PrivacyHeaderTests(BaseTestCase):
    def test_a_page_with_personal_data_is_not_stored(self) -> None:
        self.client.force_login(self.soudan)
        response = self.client.get("/persons/")
        self.assertIn("no-store", response["Cache-Control"])

    def test_an_export_is_not_stored(self) -> None:
        self.client.force_login(self.kansa)
        response = self.client.get("/audit/export.csv")
        self.assertEqual(response.status_code, 200)
        self.assertIn("no-store", response["Cache-Control"])

    def test_an_api_answer_is_not_stored_even_when_refused(self) -> None:
        response = self.client.get("/api/v1/me")
        self.assertEqual(response.status_code, 401)
        self.assertIn("no-store", response["Cache-Control"])

    def test_every_answer_carries_a_permissions_policy(self) -> None:
        for path in ("/login/", "/healthz"):
            response = self.client.get(path)
            self.assertIn("camera=()", response["Permissions-Policy"], path)
            self.assertIn("geolocation=()", response["Permissions-Policy"], path)

    def test_a_public_page_keeps_its_own_caching(self) -> None:
        code = self.window.local_government.code
        response = self.client.get(f"/public/{code}/ibasho/")
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("no-store", response.get("Cache-Control", ""))


class ErrorLogTests(SimpleTestCase):
    def test_errors_go_to_a_rotating_file_in_the_data_directory_by_default(self) -> None:
        handler = settings.LOGGING["handlers"]["file"]
        self.assertEqual(handler["class"], "logging.handlers.RotatingFileHandler")
        self.assertEqual(handler["filename"], str(settings.DATA_DIR / "tsunagu.log"))
        self.assertIn("file", settings.LOGGING["root"]["handlers"])
