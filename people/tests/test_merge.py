"""Merging a duplicate into the kept record, and undoing it (split) exactly."""

from datetime import date

from accounts.models import User
from audit.models import AuditEvent
from people.models import DuplicateCandidate, HouseholdMembership, Person, PersonMerge, PersonPhone
from people.services import person_update
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.test import BaseTestCase


class MergeTestCase(BaseTestCase):
    chousei: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.chousei = cls.world.staff["chousei"]

    def setUp(self) -> None:
        # The record the window made first: a name and a phone, in the parents' household.
        self.kept = make_person(
            self.window,
            "高橋",
            "勇気",
            "タカハシ",
            "ユウキ",
            phones=("090-1111-1111",),
            team=(self.soudan,),
        )
        # The same person entered again by the outreach team, with more details.
        self.merged = make_person(
            self.window,
            "髙橋",
            "勇気",
            "タカハシ",
            "ユウキ",
            birth_date=date(1990, 4, 1),
            postal_code="1000001",
            address="東京都千代田区千代田",
            address_detail="1-1",
            phones=("090-2222-2222", "03-3333-3333"),
            team=(self.douryou,),
        )
        self.parents = make_household(self.window, "高橋さん世帯")
        self.own = make_household(self.window, "勇気さん世帯")
        add_member(self.parents, self.kept, "child")
        add_member(self.own, self.merged, "self")
        self.candidate = DuplicateCandidate.objects.create(
            first=self.kept, second=self.merged, score=0.75
        )

    def links(self) -> dict[str, list[tuple[int, int]]]:
        """Every phone and membership with the person it points at."""
        return {
            "phones": sorted(PersonPhone.objects.values_list("pk", "person_id")),
            "memberships": sorted(HouseholdMembership.objects.values_list("pk", "person_id")),
        }

    def merge(  # type: ignore[no-untyped-def]
        self,
        kept_version: int = 1,
        merged_version: int = 1,
        follow: bool = True,
        confirmed: bool = True,
    ):
        """The merge as the confirm page sends it (or, not `confirmed`, as the compare page)."""
        return self.client.post(
            f"/persons/duplicates/{self.candidate.pk}/merge/",
            {
                "kept": self.kept.pk,
                f"version_{self.kept.pk}": kept_version,
                f"version_{self.merged.pk}": merged_version,
                **({"confirmed": "yes"} if confirmed else {}),
            },
            follow=follow,
        )

    def fresh(self, person: Person) -> Person:
        return Person.objects.get(pk=person.pk)


class MergeTests(MergeTestCase):
    def test_a_merge_moves_every_link_and_fills_the_kept_records_blanks(self) -> None:
        self.login(self.chousei)
        response = self.merge()
        self.assertRedirects(response, f"/persons/{self.kept.pk}/")
        self.assertContains(
            response,
            f"#{self.merged.pk} を #{self.kept.pk} に統合しました。取り消すこともできます。",
        )
        self.assertEqual(
            set(PersonPhone.objects.values_list("person_id", flat=True)), {self.kept.pk}
        )
        self.assertEqual(
            set(HouseholdMembership.objects.values_list("person_id", flat=True)), {self.kept.pk}
        )
        kept, merged = self.fresh(self.kept), self.fresh(self.merged)
        self.assertEqual(
            (
                kept.family_name,
                kept.birth_date,
                kept.postal_code,
                kept.address,
                kept.address_detail,
            ),
            ("高橋", date(1990, 4, 1), "1000001", "東京都千代田区千代田", "1-1"),
        )
        self.assertEqual((kept.version, merged.version), (2, 2))
        self.assertEqual(merged.merged_into, kept)
        self.assertEqual(merged.family_name, "髙橋")
        self.candidate.refresh_from_db()
        self.assertEqual(
            (self.candidate.status, self.candidate.decided_by), ("merged", self.chousei)
        )
        merge = PersonMerge.objects.get()
        self.assertEqual(
            merge.filled_fields, ["birth_date", "postal_code", "address", "address_detail"]
        )
        # The page of the kept record shows everything, and the merge can be undone from it.
        self.assertContains(response, "090-2222-2222（携帯）")
        self.assertContains(response, "勇気さん世帯")
        self.assertContains(response, f"#{self.merged.pk} をこの記録に統合（調整 美咲）")
        self.assertContains(response, f'action="/persons/merges/{merge.pk}/undo/"')

    def test_a_merge_is_audited_on_both_records_with_field_names_and_counts(self) -> None:
        self.login(self.chousei)
        self.merge()
        merge = PersonMerge.objects.get()
        rows = self.audit_rows(action=AuditEvent.Action.UPDATE, object_type="people.person")
        moved = {"people.HouseholdMembership.person": 1, "people.PersonPhone.person": 2}
        self.assertEqual(
            [(row.object_id, row.actor_id, row.detail) for row in rows],
            [
                (
                    str(self.kept.pk),
                    self.chousei.pk,
                    {
                        "merge": merge.pk,
                        "role": "kept",
                        "moved": moved,
                        "fields": sorted(
                            [
                                "links",
                                "birth_date",
                                "postal_code",
                                "address",
                                "address_detail",
                                "team",
                            ]
                        ),
                    },
                ),
                (
                    str(self.merged.pk),
                    self.chousei.pk,
                    {
                        "merge": merge.pk,
                        "role": "merged",
                        "moved": moved,
                        "fields": ["merged_into"],
                    },
                ),
            ],
        )
        for row in rows:
            self.assertNotIn("千代田", row.canonical())

    def test_the_merged_record_is_no_longer_found_and_leaves_the_queue(self) -> None:
        self.login(self.chousei)
        self.merge()
        response = self.client.get("/persons/", {"q": "髙橋勇気"})
        self.assertEqual([hit.person for hit in response.context["hits"]], [self.fresh(self.kept)])
        self.assertContains(
            self.client.get("/persons/duplicates/"), "確認を待っている組はありません。"
        )

    def test_the_team_of_the_merged_record_joins_the_kept_records_team(self) -> None:
        self.login(self.chousei)
        self.merge()
        self.assertEqual(set(self.fresh(self.kept).team.all()), {self.soudan, self.douryou})

    def test_a_worker_without_the_merge_right_gets_403_and_nothing_moves(self) -> None:
        before = self.links()
        self.login(self.soudan)
        response = self.merge(follow=False)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.links(), before)
        self.assertIsNone(self.fresh(self.merged).merged_into)
        self.assertFalse(PersonMerge.objects.exists())

    def test_a_kept_record_outside_the_pair_is_refused(self) -> None:
        other = make_person(self.window, "高橋", "次郎")
        before = self.links()
        self.login(self.chousei)
        response = self.client.post(
            f"/persons/duplicates/{self.candidate.pk}/merge/", {"kept": other.pk}, follow=True
        )
        self.assertContains(response, "残す記録を選んでください。")
        self.assertEqual(self.links(), before)

    def test_a_merge_after_another_worker_saved_one_record_is_refused_and_nothing_moves(
        self,
    ) -> None:
        self.login(self.chousei)
        self.client.get(f"/persons/duplicates/{self.candidate.pk}/")  # versions 1 and 1 shown
        before = self.links()
        person_update(  # meanwhile the outreach worker adds the phone hours
            person=self.merged, data={"phone_hours": "夕方"}, version=1, by=self.douryou
        )
        response = self.merge(kept_version=1, merged_version=1)
        self.assertRedirects(response, f"/persons/duplicates/{self.candidate.pk}/")
        self.assertContains(
            response,
            "統合しようとした記録を、ほかの人が先に更新しました。統合は行っていません。"
            "最新の内容を確認してください。",
        )
        self.assertContains(response, f"#{self.merged.pk}（版 2）")
        self.assertEqual(self.links(), before)
        kept, merged = self.fresh(self.kept), self.fresh(self.merged)
        self.assertEqual((kept.version, kept.birth_date, kept.address), (1, None, ""))
        self.assertEqual((merged.merged_into, merged.phone_hours), (None, "夕方"))
        self.assertFalse(PersonMerge.objects.exists())
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, "open")
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE, actor=self.chousei), [])

    def test_a_record_already_merged_cannot_be_merged_again(self) -> None:
        self.login(self.chousei)
        self.merge()
        third = make_person(self.window, "高橋", "勇気")
        candidate = DuplicateCandidate.objects.create(first=self.merged, second=third, score=0.9)
        response = self.client.post(
            f"/persons/duplicates/{candidate.pk}/merge/",
            {
                "kept": third.pk,
                f"version_{third.pk}": 1,
                f"version_{self.merged.pk}": 2,
                "confirmed": "yes",
            },
            follow=True,
        )
        self.assertContains(response, "すでに統合された記録です。")
        self.assertEqual(PersonMerge.objects.count(), 1)


class MergeConfirmTests(MergeTestCase):
    """The compare page's button asks first (tsunagu.confirm): only the confirm page merges."""

    def test_the_first_post_shows_what_the_merge_does_and_changes_nothing(self) -> None:
        before = self.links()
        self.login(self.chousei)
        response = self.merge(follow=False, confirmed=False)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"#{self.merged.pk} を #{self.kept.pk} に統合します")
        self.assertContains(response, "まだ何も変わっていません。")
        self.assertContains(response, f"#{self.kept.pk} 高橋 勇気（版 1）")
        self.assertContains(response, f"#{self.merged.pk} 髙橋 勇気（版 1）")
        self.assertContains(response, "世帯員1件、電話番号2件")
        self.assertContains(response, "生年月日、郵便番号、住所（都道府県・市区町村・町域）")
        self.assertContains(response, "「統合を取り消す」で、元の二つの記録に戻せます。")
        self.assertContains(response, f'href="/persons/duplicates/{self.candidate.pk}/"')
        self.assertContains(response, f'name="kept" value="{self.kept.pk}"', html=False)
        self.assertContains(response, 'name="confirmed" value="yes"', html=False)
        self.assertContains(response, '<button type="submit">統合する</button>', html=True)
        self.assertEqual(self.links(), before)
        self.assertIsNone(self.fresh(self.merged).merged_into)
        self.assertFalse(PersonMerge.objects.exists())
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE, actor=self.chousei), [])

    def test_the_confirm_page_refuses_a_pair_changed_since_it_was_compared(self) -> None:
        self.login(self.chousei)
        person_update(person=self.merged, data={"phone_hours": "夕方"}, version=1, by=self.douryou)
        response = self.merge(confirmed=False)
        self.assertRedirects(response, f"/persons/duplicates/{self.candidate.pk}/")
        self.assertContains(response, "統合は行っていません。")
        self.assertFalse(PersonMerge.objects.exists())

    def test_a_worker_without_the_merge_right_gets_403_before_the_confirm_page(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.merge(follow=False, confirmed=False).status_code, 403)


class UndoTests(MergeTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.before = self.links()
        self.login(self.chousei)
        self.merge()
        self.merge_record = PersonMerge.objects.get()

    def undo(self):  # type: ignore[no-untyped-def]
        return self.client.post(f"/persons/merges/{self.merge_record.pk}/undo/", follow=True)

    def test_undo_restores_both_records_and_their_links_exactly(self) -> None:
        self.assertNotEqual(self.links(), self.before)
        response = self.undo()
        self.assertContains(
            response,
            f"統合を取り消し、#{self.merged.pk} と #{self.kept.pk} を元に戻しました。",
        )
        self.assertEqual(self.links(), self.before)
        self.assertEqual(
            sorted(PersonPhone.objects.values_list("number", "person_id")),
            [
                ("03-3333-3333", self.merged.pk),
                ("090-1111-1111", self.kept.pk),
                ("090-2222-2222", self.merged.pk),
            ],
        )
        kept, merged = self.fresh(self.kept), self.fresh(self.merged)
        self.assertEqual(
            (kept.birth_date, kept.postal_code, kept.address, kept.address_detail),
            (None, "", "", ""),
        )
        self.assertEqual((kept.family_name, kept.version), ("高橋", 3))
        self.assertEqual(
            (merged.merged_into, merged.birth_date, merged.address, merged.version),
            (None, date(1990, 4, 1), "東京都千代田区千代田", 3),
        )
        self.assertEqual(set(kept.team.all()), {self.soudan})
        self.assertEqual(set(merged.team.all()), {self.douryou})

    def test_undo_is_recorded_and_the_pair_is_not_proposed_again(self) -> None:
        self.undo()
        self.merge_record.refresh_from_db()
        self.assertEqual(self.merge_record.undone_by, self.chousei)
        self.assertIsNotNone(self.merge_record.undone_at)
        self.candidate.refresh_from_db()
        self.assertEqual(self.candidate.status, "different")
        rows = self.audit_rows(
            action=AuditEvent.Action.UPDATE, detail__merge_undone=self.merge_record.pk
        )
        self.assertEqual(
            sorted(row.object_id for row in rows), sorted([str(self.kept.pk), str(self.merged.pk)])
        )
        page = self.client.get(f"/persons/{self.kept.pk}/")
        self.assertContains(page, "に取り消し済み")
        self.assertNotContains(page, "統合を取り消す")

    def test_an_undo_cannot_be_done_twice(self) -> None:
        self.undo()
        response = self.undo()
        self.assertContains(response, "この統合はすでに取り消されています。")
        self.assertEqual(self.links(), self.before)

    def test_a_value_a_worker_changed_after_the_merge_is_kept_by_the_undo(self) -> None:
        person_update(person=self.kept, data={"address_detail": "2-2"}, version=2, by=self.soudan)
        self.undo()
        kept = self.fresh(self.kept)
        self.assertEqual((kept.address_detail, kept.address, kept.birth_date), ("2-2", "", None))

    def test_a_worker_without_the_merge_right_cannot_undo(self) -> None:
        self.login(self.soudan)
        response = self.client.post(f"/persons/merges/{self.merge_record.pk}/undo/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh(self.merged).merged_into_id, self.kept.pk)

    def test_an_undo_under_a_later_merge_waits_for_that_one(self) -> None:
        final = make_person(self.window, "高橋", "勇気")
        candidate = DuplicateCandidate.objects.create(first=self.kept, second=final, score=0.9)
        self.client.post(
            f"/persons/duplicates/{candidate.pk}/merge/",
            {
                "kept": final.pk,
                f"version_{final.pk}": 1,
                f"version_{self.kept.pk}": 2,
                "confirmed": "yes",
            },
        )
        response = self.undo()
        self.assertContains(response, "統合先の記録がさらに別の記録に統合されています。")
        self.assertEqual(set(PersonPhone.objects.values_list("person_id", flat=True)), {final.pk})


class RestrictedMergeTests(MergeTestCase):
    def setUp(self) -> None:
        super().setUp()
        Person.objects.filter(pk=self.merged.pk).update(is_restricted=True, restriction_reason="dv")
        self.merged.team.add(self.chousei)
        self.kept.team.add(self.chousei)
        self.login(self.chousei)

    def test_a_restriction_of_the_merged_record_carries_over_and_undo_lifts_it(self) -> None:
        self.merge()
        kept = self.fresh(self.kept)
        self.assertEqual((kept.is_restricted, kept.restriction_reason), (True, "dv"))
        self.assertEqual(set(kept.team.all()), {self.soudan, self.douryou, self.chousei})
        self.login(self.houkatsu)
        self.assertEqual(self.client.get(f"/persons/{kept.pk}/").status_code, 404)
        self.login(self.world.staff["houmon"])
        response = self.client.get(f"/persons/{kept.pk}/")
        self.assertContains(response, f"制限対象者 #{kept.pk}")
        self.assertNotContains(response, "勇気")
        self.login(self.chousei)
        self.client.post(f"/persons/merges/{PersonMerge.objects.get().pk}/undo/")
        kept = self.fresh(self.kept)
        self.assertEqual((kept.is_restricted, kept.restriction_reason), (False, ""))
        self.assertEqual(set(kept.team.all()), {self.soudan, self.chousei})

    def test_the_confirm_page_warns_that_the_restriction_carries_over(self) -> None:
        response = self.merge(confirmed=False)
        self.assertContains(response, "統合すると残す記録も制限対象者になり")
        self.assertNotContains(response, "制限の理由")
        self.assertFalse(PersonMerge.objects.exists())

    def test_a_coordinator_outside_the_team_cannot_merge_a_restricted_record(self) -> None:
        self.merged.team.remove(self.chousei)
        before = self.links()
        response = self.merge(follow=False)
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.links(), before)
        self.assertFalse(PersonMerge.objects.exists())
