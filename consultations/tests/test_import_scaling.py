"""The import's fast write path: queries per file (not per row), keys as Person.save, atomic."""

from datetime import date
from unittest import mock

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Right
from collaboration.models import Agency, AgencyCategory, Referral, ReferralEvent
from consultations.importing.bulk import reserve_ids
from consultations.importing.writing import import_file
from consultations.models import Consultation, ImportBatch
from consultations.tests.import_files import csv_bytes
from consultations.tests.test_import_command import row
from people.models import DuplicateCandidate, Person
from reports.cache import current_versions, records_changed
from tsunagu.test import BaseTestCase

# A weekday, a national holiday (憲法記念日), a Saturday, the year-end closure: one fiscal year.
DAYS = ["2024-05-01", "2024-05-03", "2024-05-04", "2024-12-30"]


def rows_of(count: int, first: int = 0) -> list[list[str]]:
    """`count` rows: named persons seen twice, unnamed ones, つなぐ rows to one known agency."""
    rows = []
    for index in range(count):
        person = {}
        if index % 3:
            person = named(first + index // 2)
        refer = {}
        if index % 4 == 0:
            refer = {"対応": "つなぐ", "つなぎ先種別": "サポステ", "つなぎ先": "つなぐサポステ"}
        rows.append(row(相談日=DAYS[index % len(DAYS)], 相談方法="来所", **person, **refer))
    return rows


def named(number: int) -> dict[str, str]:
    """The cells of the file's person number `number` (all different, reproducible)."""
    return {
        "本人ID": f"N{number}",
        "氏名": f"佐藤 {'一二三四五六七八九'[number % 9]}郎{number}",
        "フリガナ": f"サトウ イチロウ{number}",
        "生年月日": f"19{70 + number % 20}-04-0{1 + number % 9}",
    }


class ImportScalingTest(BaseTestCase):
    def imported(self, rows: list[list[str]], name: str = "a.csv") -> None:
        import_file(
            content=csv_bytes(rows), file_name=name, organisation=self.window, user=self.soudan
        )

    def test_the_number_of_queries_does_not_grow_with_the_rows(self) -> None:
        Agency.objects.create(
            local_government=self.window.local_government,
            name="つなぐサポステ",
            category=AgencyCategory.YOUTH_SUPPORT_STATION,
        )
        records_changed([2024])
        self.soudan.has_right(Right.EDIT_PERSONAL_DATA)  # the roles are read once per user
        queries = []
        for size, first in ((12, 0), (120, 1000)):
            # Each file has a likely match (linked) and a possible duplicate (queued).
            likely, possible = named(first + 1), named(first + 3)
            family, given = likely["氏名"].split()
            family_kana, given_kana = likely["フリガナ"].split()
            Person.objects.create(
                organisation=self.window,
                family_name=family,
                given_name=given,
                family_name_kana=family_kana,
                given_name_kana=given_kana,
                birth_date=date.fromisoformat(likely["生年月日"]),
            )
            family, given = possible["氏名"].split()
            Person.objects.create(organisation=self.window, family_name=family, given_name=given)
            with CaptureQueriesContext(connection) as captured:
                self.imported(rows_of(size, first), f"{size}.csv")
            queries.append(len(captured))
        self.assertEqual(Consultation.objects.count(), 132)
        self.assertEqual(Referral.objects.count(), 3 + 30)
        self.assertEqual(ReferralEvent.objects.count(), 33)
        self.assertEqual(DuplicateCandidate.objects.count(), 2)
        # The likely match's row of each file went to the person created before it.
        self.assertEqual(Consultation.objects.filter(person__created_by__isnull=True).count(), 2)
        self.assertEqual(queries[0], queries[1])

    def test_imported_persons_have_the_keys_person_save_computes(self) -> None:
        self.imported(rows_of(12))
        persons = list(Person.objects.filter(organisation=self.window))
        self.assertGreater(len(persons), 5)
        for person in persons:
            stored = [getattr(person, column) for column in Person.KEY_COLUMNS]
            person.refresh_keys()
            self.assertEqual(stored, [getattr(person, column) for column in Person.KEY_COLUMNS])
            self.assertTrue(person.search_text)
        self.assertTrue(Person.objects.filter(alias="氏名不明（取込・2行目）").exists())

    def test_weekends_holidays_and_the_year_end_are_out_of_hours(self) -> None:
        self.imported(rows_of(4))
        out_of_hours = dict(
            Consultation.objects.values_list("received_at__date", "is_out_of_hours")
        )
        self.assertEqual(
            out_of_hours,
            {
                date(2024, 5, 1): False,
                date(2024, 5, 3): True,
                date(2024, 5, 4): True,
                date(2024, 12, 30): True,
            },
        )

    def test_the_reports_cache_of_the_imported_year_is_stale(self) -> None:
        before = current_versions([2024, 2023])
        self.imported(rows_of(4))
        after = current_versions([2024, 2023])
        self.assertGreater(after[2024], before[2024])
        self.assertEqual(after[2023], before[2023])

    def test_a_failure_while_writing_leaves_nothing(self) -> None:
        persons = Person.objects.count()
        with (
            mock.patch(
                "consultations.importing.writing._reports_changed", side_effect=RuntimeError
            ),
            self.assertRaises(RuntimeError),
        ):
            self.imported(rows_of(12))
        self.assertEqual(Person.objects.count(), persons)
        self.assertFalse(Consultation.objects.exists())
        self.assertFalse(Referral.objects.exists())
        self.assertFalse(ImportBatch.objects.exists())

    def test_reserved_ids_are_new_even_after_a_deletion(self) -> None:
        person = Person.objects.create(organisation=self.window, alias="消す人")
        person_id = person.pk
        person.delete()
        ids = reserve_ids(Person, 3)
        self.assertEqual(len(set(ids)), 3)
        self.assertGreater(min(ids), person_id)
