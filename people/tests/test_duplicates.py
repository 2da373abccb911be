"""Probable duplicates: how pairs are found and scored, the coordinators' queue, "different"."""

from datetime import date

from accounts.access import visible_to
from accounts.models import User
from audit.models import AuditEvent
from people.duplicates import HIGH, Duplicate, find_duplicates, record_candidates, score_pair
from people.models import DuplicateCandidate, Person
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.test import BaseTestCase, audit_lock_queries


def takahashi(organisation, family_name="高橋", **fields):  # type: ignore[no-untyped-def]
    fields.setdefault("birth_date", date(1990, 4, 1))
    return make_person(organisation, family_name, "勇気", "タカハシ", "ユウキ", **fields)


class ScoringTests(BaseTestCase):
    def scope(self):  # type: ignore[no-untyped-def]
        return visible_to(self.soudan, Person.objects.current())

    def test_the_old_form_of_a_kanji_with_the_same_reading_and_birth_date_is_very_likely(
        self,
    ) -> None:
        existing = takahashi(self.window)
        new = Person(
            organisation=self.window,
            family_name="髙橋",
            given_name="勇気",
            family_name_kana="タカハシ",
            given_name_kana="ユウキ",
            birth_date=date(1990, 4, 1),
        )
        new.refresh_keys()
        (duplicate,) = find_duplicates(new, set(), self.scope())
        self.assertEqual(
            (duplicate.person, duplicate.score, duplicate.level, duplicate.reasons),
            (existing, 0.95, "可能性が高い", ("氏名が一致", "読みが一致", "生年月日が一致")),
        )

    def test_a_birth_date_years_apart_speaks_against_the_same_name(self) -> None:
        father = takahashi(self.window, birth_date=date(1945, 1, 1))
        son = takahashi(self.window, birth_date=date(1975, 1, 1))
        score, reasons = score_pair(father, son, set(), set())
        self.assertEqual((round(score, 2), reasons), (0.35, ("氏名が一致", "読みが一致")))
        self.assertEqual(find_duplicates(son, set(), self.scope()), [])

    def test_the_same_birth_date_and_phone_make_a_possible_duplicate(self) -> None:
        existing = make_person(
            self.window, "高橋", "勇樹", birth_date=date(1990, 4, 1), phones=("090-1234-5678",)
        )
        new = make_person(self.window, "高橋", "勇気", birth_date=date(1990, 4, 1))
        (duplicate,) = find_duplicates(new, {"09012345678"}, self.scope())
        self.assertEqual(
            (duplicate.person, duplicate.score, duplicate.level, duplicate.reasons),
            (existing, 0.6, "可能性あり", ("生年月日が一致", "電話番号が一致")),
        )
        with_reading = make_person(
            self.window, "高橋", "勇気", "タカハシ", "ユウキ", birth_date=date(1990, 4, 1)
        )
        score, _ = score_pair(with_reading, new, set(), set())
        self.assertGreaterEqual(score, HIGH)

    def test_unnamed_persons_are_matched_by_alias(self) -> None:
        existing = make_person(self.window, alias="Bさんの長男", postal_code="1000001")
        new = make_person(self.window, alias="Ｂさんの長男", postal_code="1000001")
        (duplicate,) = find_duplicates(new, set(), self.scope())
        self.assertEqual(
            (duplicate.person, duplicate.score, duplicate.reasons),
            (existing, 0.4, ("仮名が一致", "郵便番号が一致")),
        )

    def test_a_shared_household_member_adds_to_the_score(self) -> None:
        mother = make_person(self.window, "高橋", "和子")
        first = takahashi(self.window, birth_date=None)
        second = takahashi(self.window, family_name="髙橋", birth_date=None)
        for person in (first, second):
            household = make_household(self.window, f"世帯{person.pk}")
            add_member(household, mother, "mother")
            add_member(household, person, "self")
        (duplicate,) = find_duplicates(second, set(), self.scope())
        self.assertEqual(
            (duplicate.person, duplicate.score, duplicate.reasons),
            (first, 0.75, ("氏名が一致", "読みが一致", "同じ世帯員がいる")),
        )

    def test_persons_of_another_organisation_and_merged_records_are_never_candidates(
        self,
    ) -> None:
        takahashi(self.minato_window)
        kept = takahashi(self.window, phones=("090-0000-0000",))
        takahashi(self.window, merged_into=kept)
        new = takahashi(self.window, family_name="髙橋")
        self.assertEqual([d.person for d in find_duplicates(new, set(), self.scope())], [kept])

    def test_a_pair_judged_different_is_never_proposed_again(self) -> None:
        first = takahashi(self.window)
        second = takahashi(self.window, family_name="髙橋")
        DuplicateCandidate.objects.create(
            first=first, second=second, score=0.95, status=DuplicateCandidate.Status.DIFFERENT
        )
        self.assertEqual(find_duplicates(second, set(), self.scope()), [])
        self.assertEqual(find_duplicates(first, set(), self.scope()), [])

    def test_queuing_a_pair_again_keeps_an_earlier_decision(self) -> None:
        first = takahashi(self.window)
        second = takahashi(self.window, family_name="髙橋")
        DuplicateCandidate.objects.create(
            first=first, second=second, score=0.5, status=DuplicateCandidate.Status.DIFFERENT
        )
        record_candidates(second, [Duplicate(first, 0.95, ("氏名が一致",))])
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual((candidate.status, candidate.score), ("different", 0.5))

    def test_queuing_an_open_pair_again_updates_its_score(self) -> None:
        first = takahashi(self.window)
        second = takahashi(self.window, family_name="髙橋")
        record_candidates(second, [Duplicate(first, 0.5, ())])
        record_candidates(second, [Duplicate(first, 0.95, ())])
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual(
            (candidate.first_id, candidate.second_id, candidate.score, candidate.status),
            (first.pk, second.pk, 0.95, "open"),
        )


class QueueTests(BaseTestCase):
    chousei: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.chousei = cls.world.staff["chousei"]
        cls.first = takahashi(cls.window)
        cls.second = takahashi(cls.window, family_name="髙橋")
        cls.candidate = DuplicateCandidate.objects.create(
            first=cls.first, second=cls.second, score=0.95
        )
        minato_first = takahashi(cls.minato_window)
        minato_second = takahashi(cls.minato_window, family_name="髙橋")
        cls.minato_candidate = DuplicateCandidate.objects.create(
            first=minato_first, second=minato_second, score=0.95
        )

    def test_the_coordinator_sees_the_open_pairs_of_the_own_office_only(self) -> None:
        self.login(self.chousei)
        response = self.client.get("/persons/duplicates/")
        self.assertContains(response, "可能性が高い（0.95）")
        self.assertContains(response, f"#{self.first.pk} 高橋 勇気")
        self.assertContains(response, f"#{self.second.pk} 髙橋 勇気")
        self.assertContains(response, f'href="/persons/duplicates/{self.candidate.pk}/"')
        self.assertNotContains(response, f'href="/persons/duplicates/{self.minato_candidate.pk}/"')
        (row,) = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual(sorted(row.detail["ids"]), sorted([self.first.pk, self.second.pk]))
        self.assertNotIn("高橋", row.canonical())

    def test_decided_pairs_are_not_in_the_queue(self) -> None:
        DuplicateCandidate.objects.filter(pk=self.candidate.pk).update(status="different")
        self.login(self.chousei)
        self.assertContains(
            self.client.get("/persons/duplicates/"), "確認を待っている組はありません。"
        )

    def test_a_pair_decided_meanwhile_is_refused_by_the_service_and_the_page_says_so(self) -> None:
        from django.core.exceptions import ValidationError

        from people.services import PAIR_ALREADY_DECIDED, duplicate_mark_different

        DuplicateCandidate.objects.filter(pk=self.candidate.pk).update(status="merged")
        with self.assertRaisesMessage(ValidationError, PAIR_ALREADY_DECIDED):
            duplicate_mark_different(candidate=self.candidate, by=self.chousei)
        self.login(self.chousei)
        response = self.client.post(
            f"/persons/duplicates/{self.candidate.pk}/different/", follow=True
        )
        self.assertContains(response, PAIR_ALREADY_DECIDED)
        self.assertEqual(DuplicateCandidate.objects.get(pk=self.candidate.pk).status, "merged")

    def test_a_worker_without_the_merge_right_gets_403(self) -> None:
        self.login(self.soudan)
        for url in ("/persons/duplicates/", f"/persons/duplicates/{self.candidate.pk}/"):
            with self.subTest(url=url):
                self.assertContains(self.client.get(url), "権限がありません", status_code=403)
        response = self.client.post(f"/persons/duplicates/{self.candidate.pk}/different/")
        self.assertEqual(response.status_code, 403)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, "open")

    def test_another_offices_pair_is_404_for_the_coordinator(self) -> None:
        self.login(self.chousei)
        url = f"/persons/duplicates/{self.minato_candidate.pk}/"
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(f"{url}different/").status_code, 404)
        self.minato_candidate.refresh_from_db()
        self.assertEqual(self.minato_candidate.status, "open")

    def test_the_compare_page_shows_both_records_side_by_side(self) -> None:
        self.login(self.chousei)
        response = self.client.get(f"/persons/duplicates/{self.candidate.pk}/")
        self.assertContains(response, f"#{self.first.pk}（版 1）")
        self.assertContains(response, "<td>平成2年4月1日</td>", count=2, html=True)
        self.assertContains(response, f'name="version_{self.second.pk}" value="1"')

    def test_marking_a_pair_different_removes_it_and_it_is_never_proposed_again(self) -> None:
        self.login(self.chousei)
        response = self.client.post(
            f"/persons/duplicates/{self.candidate.pk}/different/", follow=True
        )
        self.assertContains(response, "別人として記録しました。今後この組は候補に出ません。")
        self.assertContains(response, "確認を待っている組はありません。")
        self.candidate.refresh_from_db()
        self.assertEqual(
            (self.candidate.status, self.candidate.decided_by), ("different", self.chousei)
        )
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual(
            row.detail, {"fields": ["status"], "persons": [self.first.pk, self.second.pk]}
        )
        scope = visible_to(self.chousei, Person.objects.current())
        self.assertEqual(find_duplicates(self.second, set(), scope), [])
        # A third record of the same person is still proposed with both.
        self.login(self.soudan)
        self.client.post(
            "/persons/new/",
            {
                "family_name": "高橋",
                "given_name": "勇気",
                "family_name_kana": "タカハシ",
                "given_name_kana": "ユウキ",
                "birth_date": "1990-04-01",
                "sex": "unknown",
                "confirmed_new": "1",
            },
        )
        third = Person.objects.order_by("-pk").first()
        open_pairs = DuplicateCandidate.objects.filter(status="open").exclude(
            pk=self.minato_candidate.pk
        )
        self.assertEqual(
            sorted(open_pairs.values_list("first_id", "second_id")),
            [(self.first.pk, third.pk), (self.second.pk, third.pk)],
        )
        self.assertEqual(DuplicateCandidate.objects.get(pk=self.candidate.pk).status, "different")

    def test_a_restricted_person_is_not_named_in_the_queue_outside_the_team(self) -> None:
        Person.objects.filter(pk=self.first.pk).update(is_restricted=True, restriction_reason="dv")
        self.first.team.add(self.soudan)
        self.login(self.chousei)
        response = self.client.get("/persons/duplicates/")
        self.assertContains(response, f"制限対象者 #{self.first.pk}")
        self.assertNotContains(response, "高橋 勇気")
        compare = self.client.get(f"/persons/duplicates/{self.candidate.pk}/")
        self.assertEqual(compare.status_code, 403)
        self.assertNotContains(compare, "高橋", status_code=403)

    def test_the_queue_takes_a_fixed_number_of_queries(self) -> None:
        for _ in range(3):
            a, b = takahashi(self.window), takahashi(self.window, family_name="髙橋")
            DuplicateCandidate.objects.create(first=a, second=b, score=0.9)
        self.login(self.chousei)
        self.client.get("/persons/duplicates/")  # warm the session
        # session, user with organisation, roles, candidates with both persons, their teams
        # (two), audit row (savepoint, lock on PostgreSQL, last row, insert, release), session
        # save (savepoint, update, release)
        with self.assertNumQueries(13 + audit_lock_queries()):
            response = self.client.get("/persons/duplicates/")
        self.assertEqual(len(response.context["candidates"]), 4)
