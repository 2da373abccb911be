"""The benchmark generator: deterministic by seed, and its ground truth points at real persons."""

import json
import tempfile
from collections import Counter
from pathlib import Path

from django.test import TestCase

from bench.generate_people import (
    BENCH_ORGANISATION_NAME,
    PersonFactory,
    ensure_bench_organisation,
    generate,
    reset_bench_data,
)
from people.models import HouseholdMembership, Person
from people.names import name_key

VARIANT_RATE = 0.25  # high, so that 200 persons give every kind of query


def plan_names(seed: int, count: int) -> list[tuple[str, str, str, str]]:
    return [
        (m.family_name, m.given_name, m.family_name_kana, m.given_name_kana)
        for household in PersonFactory(seed, variant_rate=VARIANT_RATE).persons(count)
        for m in household.members
    ]


class GeneratorTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.organisation = ensure_bench_organisation()

    def setUp(self) -> None:
        self.tmp = Path(self.enterContext(tempfile.TemporaryDirectory()))

    def run_generator(self, name: str, *, seed: int = 7) -> list[Person]:
        result = generate(
            persons=200,
            seed=seed,
            organisation=self.organisation,
            ground_truth=self.tmp / name,
            variant_rate=VARIANT_RATE,
            keep_ids=True,
        )
        self.assertEqual(result.persons, 200)
        persons = Person.objects.in_bulk(result.person_ids)
        return [persons[pk] for pk in result.person_ids]

    def test_same_seed_same_persons(self) -> None:
        first = self.run_generator("a.jsonl")
        second = self.run_generator("b.jsonl")
        self.assertEqual(
            [(p.full_name, p.full_name_kana, p.birth_date, p.sex) for p in first],
            [(p.full_name, p.full_name_kana, p.birth_date, p.sex) for p in second],
        )
        self.assertEqual(self.queries("a.jsonl"), self.queries("b.jsonl"))
        self.assertEqual(
            plan_names(7, 200),
            [(p.family_name, p.given_name, p.family_name_kana, p.given_name_kana) for p in first],
        )
        self.assertNotEqual(plan_names(7, 200), plan_names(8, 200))

    def queries(self, name: str) -> list[tuple[str, str, str]]:
        lines = [json.loads(line) for line in (self.tmp / name).read_text().splitlines()]
        return [(line["query"], line["kind"], line["name"]) for line in lines]

    def test_ground_truth_points_at_existing_persons(self) -> None:
        persons = {p.pk: p for p in self.run_generator("gt.jsonl")}
        lines = [json.loads(line) for line in (self.tmp / "gt.jsonl").read_text().splitlines()]
        self.assertGreater(len(lines), 20)
        for line in lines:
            person = persons[line["person_id"]]
            self.assertEqual(person.organisation.name, BENCH_ORGANISATION_NAME)
            self.assertEqual(line["name"], f"{person.family_name} {person.given_name}")
            # Apart from the deliberate reading errors, every query has the same strict key as
            # the spelling of the person it was made from.
            spelling = {
                "name": person.full_name,
                "reading": person.full_name_kana,
                "family_name+given_reading": person.family_name + person.given_name_kana,
                "family_reading+given_name": person.family_name_kana + person.given_name,
            }[line["match"]]
            if line["kind"] == "reading_error":
                self.assertNotEqual(name_key(line["query"]), name_key(spelling), line)
            else:
                self.assertEqual(name_key(line["query"]), name_key(spelling), line)

    def test_keys_are_those_refresh_keys_computes(self) -> None:
        for person in self.run_generator("keys.jsonl"):
            stored = [getattr(person, column) for column in person.KEY_COLUMNS]
            person.refresh_keys()
            self.assertEqual(stored, [getattr(person, column) for column in person.KEY_COLUMNS])

    def test_households_and_reset(self) -> None:
        persons = self.run_generator("hh.jsonl")
        memberships = HouseholdMembership.objects.filter(person__in=persons)
        self.assertEqual(memberships.count(), 200)
        sizes = Counter(m.household_id for m in memberships).values()
        self.assertLessEqual(max(sizes), 6)
        self.assertGreater(max(sizes), 1)
        self.assertEqual(reset_bench_data(self.organisation), 200)
        self.assertFalse(Person.objects.filter(organisation=self.organisation).exists())
