"""Every door runs the same field validation: the intake page's form, the JSON API and the
spreadsheet import (its page and its command) refuse the same bad values and store nothing.

One table of values: invisible format characters (U+202E reverses the rest of a name on the
consent PDF, U+200B hides inside it), NUL and the other C0 and C1 controls. One-line text (a
name) refuses every control character; multi-line text (a consultation's content, the
import's メモ) keeps only line breaks and tabs.
"""

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from consultations.models import Consultation, ImportBatch
from consultations.tests.helpers import intake_data
from people.models import Person
from tsunagu.test import BaseTestCase

# (what it is, the value); each door puts it in a one-line field: the person's family name.
BAD_IN_ONE_LINE = [
    ("U+202E RIGHT-TO-LEFT OVERRIDE", "山\u202e田"),
    ("U+200B ZERO WIDTH SPACE", "山\u200b田"),
    ("U+200F RIGHT-TO-LEFT MARK", "山\u200f田"),
    ("U+FEFF BYTE ORDER MARK", "山\ufeff田"),
    ("NUL", "山\x00田"),
    ("BEL (C0)", "山\x07田"),
    ("ESC (C0)", "山\x1b田"),
    ("a line feed (C0) in a name", "山\n田"),
    ("a tab (C0) in a name", "山\t田"),
    ("DEL", "山\x7f田"),
    ("NEL (C1)", "山\x85田"),
]
# Each door puts it in multi-line text: the consultation's content.
BAD_IN_MULTI_LINE = [
    ("U+202E RIGHT-TO-LEFT OVERRIDE", "自室から\u202e出てこない"),
    ("U+200B ZERO WIDTH SPACE", "自室から\u200b出てこない"),
    ("NUL", "自室から\x00出てこない"),
    ("ESC (C0)", "自室から\x1b出てこない"),
    ("BS (C0)", "自室から\x08出てこない"),
    ("NEL (C1)", "自室から\x85出てこない"),
]
GOOD_IN_MULTI_LINE = "息子が5年ほど自室から出てこない。\n次回は\t来週に電話する。"
IMPORT_HEADER = ["相談日", "相談方法", "対応", "氏名", "メモ"]


class EveryDoorTest(BaseTestCase):
    def setUp(self) -> None:
        self.token = self._token()

    def _token(self) -> str:
        out = io.StringIO()
        call_command("create_api_token", self.soudan.username, stdout=out)
        return out.getvalue().strip()

    # --- the doors: each returns whether the value was refused --------------------------------

    def page(self, field: str, value: str) -> bool:
        self.login(self.soudan)
        response = self.client.post("/consultations/new/", intake_data(**{field: value}))
        if response.status_code == 302:
            return False
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors[field])
        return True

    def api(self, field: str, value: str) -> bool:
        body: dict[str, Any] = {
            "channel": "phone",
            "consulter_type": "person",
            "main_concern": "hikikomori",
            "categories": ["hikikomori"],
            "content": "電話で相談",
            "disposition": "information",
            "new_person": {"family_name": "山田", "given_name": "健太"},
        }
        if field == "family_name":
            body["new_person"]["family_name"] = value
        else:
            body[field] = value
        response = self.client.post(
            "/api/v1/consultations",
            json.dumps(body),
            content_type="application/json",
            headers={"Authorization": f"Bearer {self.token}"},
        )
        if response.status_code == 201:
            return False
        self.assertEqual(response.status_code, 422, response.content)
        errors = response.json()["errors"]
        self.assertTrue(errors.get(f"new_person.{field}") or errors.get(field), errors)
        return True

    def import_page(self, column: str, value: str) -> bool:
        self.login(self.soudan)
        response = self.client.post(
            reverse("consultation_import"),
            {"file": SimpleUploadedFile("台帳.csv", import_csv(column, value)), "encoding": ""},
        )
        if response.status_code == 302:
            return False
        self.assertEqual(response.status_code, 400)
        self.assert_names_the_row_and_column(response.content.decode(), column, value)
        return True

    def import_command(self, column: str, value: str) -> bool:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "台帳.csv"
            path.write_bytes(import_csv(column, value))
            err = io.StringIO()
            try:
                call_command(
                    "import_consultations",
                    str(path),
                    user="soudan",
                    dry_run=True,
                    stdout=io.StringIO(),
                    stderr=err,
                )
            except CommandError as error:
                self.assert_names_the_row_and_column(f"{err.getvalue()}{error}", column, value)
                return True
        return False

    def assert_names_the_row_and_column(self, message: str, column: str, value: str) -> None:
        if "\x00" in value:
            # A NUL makes the whole CSV unreadable: refused as a file, at its row.
            self.assertIn("2行目: NUL 文字（0x00）が含まれています", message)
        else:
            self.assertIn("2行目", message)
            self.assertIn(f"{column}: ", message)

    # --- the table through every door -----------------------------------------------------------

    def assert_every_door_refuses(
        self, field: str, column: str, cases: list[tuple[str, str]]
    ) -> None:
        before = self.stored()
        doors = {
            "the intake page": lambda value: self.page(field, value),
            "the API": lambda value: self.api(field, value),
            "the import page": lambda value: self.import_page(column, value),
            "the import command": lambda value: self.import_command(column, value),
        }
        for what, value in cases:
            for door, refused in doors.items():
                with self.subTest(what=what, door=door):
                    self.assertTrue(refused(value), f"{door} accepted {what}")
                    self.assertEqual(self.stored(), before)

    def stored(self) -> tuple[int, int, int]:
        return Person.objects.count(), Consultation.objects.count(), ImportBatch.objects.count()

    def test_every_door_refuses_control_characters_in_a_name(self) -> None:
        self.assert_every_door_refuses("family_name", "氏名", BAD_IN_ONE_LINE)

    def test_every_door_refuses_control_characters_in_multi_line_text(self) -> None:
        self.assert_every_door_refuses("content", "メモ", BAD_IN_MULTI_LINE)

    def test_every_door_keeps_line_breaks_and_tabs_in_multi_line_text(self) -> None:
        self.assertFalse(self.page("content", GOOD_IN_MULTI_LINE))
        self.assertFalse(self.api("content", GOOD_IN_MULTI_LINE))
        self.assertFalse(self.import_page("メモ", GOOD_IN_MULTI_LINE))
        contents = sorted(Consultation.objects.values_list("content", flat=True))
        self.assertEqual(contents, [GOOD_IN_MULTI_LINE] * 2)
        batch = ImportBatch.objects.get()
        self.client.post(reverse("consultation_import_confirm", args=[batch.pk]))
        self.assertEqual(
            list(Consultation.objects.values_list("content", flat=True)),
            [GOOD_IN_MULTI_LINE] * 3,
        )

    def test_every_door_accepts_the_joiners_some_names_need(self) -> None:
        name = "山\u200d田"  # ZERO WIDTH JOINER: kept, as people/validation.py allows it
        self.assertFalse(self.page("family_name", name))
        self.assertFalse(self.api("family_name", name))
        self.assertFalse(self.import_command("氏名", name))


def import_csv(column: str, value: str) -> bytes:
    """A one-row import file with `value` in `column` (a name gets a given name after it)."""
    cells = {"相談日": "2024-05-01", "相談方法": "電話", "対応": "情報提供のみ"}
    cells["氏名"] = "山田 健太"
    cells[column] = f"{value} 健太" if column == "氏名" else value
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(IMPORT_HEADER)
    writer.writerow([cells.get(name, "") for name in IMPORT_HEADER])
    return out.getvalue().encode("utf-8")
