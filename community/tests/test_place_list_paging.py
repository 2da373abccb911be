"""The ibasho list one page at a time: paging, sorting, filters in SQL (name, kind, audience,
archived), the audit row of the page only, the same queries and response size at any count."""

from typing import Any

from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from community.models import Audience, Place, PlaceKind
from community.tests.helpers import make_place
from tsunagu.test import BaseTestCase, audit_lock_queries


class PlaceListPagingTests(BaseTestCase):
    ibasho: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ibasho = cls.world.staff["ibasho"]

    def make_places(self, count: int, start: int = 0) -> list[Place]:
        # Names of one length, so that the response size only changes with the rows shown.
        assert self.ibasho.organisation_id is not None
        return Place.objects.bulk_create(
            Place(organisation_id=self.ibasho.organisation_id, name=f"居場所{number:03d}")
            for number in range(start, start + count)
        )

    def shown(self, query: str = "") -> Any:
        return self.client.get(f"/ibasho/?{query}")

    def names(self, query: str = "") -> list[str]:
        return [place.name for place in self.shown(query).context["places"]]

    def test_fifty_a_page_with_the_count(self) -> None:
        self.make_places(52)
        self.login(self.ibasho)
        first = self.shown()
        self.assertContains(first, "全52件中 1〜50件")
        self.assertEqual(len(first.context["places"]), 50)
        self.assertEqual(self.names("page=2"), ["居場所050", "居場所051"])

    def test_the_audit_row_names_only_the_places_of_the_page(self) -> None:
        self.make_places(52)
        self.login(self.ibasho)
        response = self.shown("page=2")
        row = AuditEvent.objects.filter(object_type="community.place", action="read").latest("id")
        self.assertEqual(row.detail["ids"], [p.pk for p in response.context["places"]])

    def test_filters_in_sql_archived_kept_and_a_bad_value_not_applied(self) -> None:
        make_place(self.ibasho, "ひだまりの居場所", kind=PlaceKind.PERMANENT)
        make_place(self.ibasho, "家族のつどい", audience=Audience.FAMILY, kind=PlaceKind.EVENT)
        old = make_place(self.ibasho, "むかしの茶話会")
        Place.objects.filter(pk=old.pk).update(archived_at=timezone.now())
        self.login(self.ibasho)
        self.assertEqual(self.names(), ["ひだまりの居場所", "家族のつどい"])
        self.assertEqual(self.names("archived=1"), ["むかしの茶話会"])
        self.assertEqual(self.names("name=つどい"), ["家族のつどい"])
        self.assertEqual(self.names(f"kind={PlaceKind.PERMANENT}"), ["ひだまりの居場所"])
        self.assertEqual(self.names(f"audience={Audience.FAMILY}"), ["家族のつどい"])
        self.assertEqual(self.names("archived=1&name=つどい"), [])
        self.assertContains(self.shown("name=公民館"), "条件に合う居場所はありません。")
        response = self.shown("kind=password")
        self.assertContains(response, "種類は一覧にあるものから選んでください。")
        self.assertContains(response, "全2件中 1〜2件")
        for query in ("page=abc", "sort=password", "name=%00", "audience=" + "x" * 300):
            with self.subTest(query=query[:20]):
                self.assertContains(self.shown(query), "全2件中 1〜2件")

    def test_sort_by_kind_both_ways_filters_kept(self) -> None:
        make_place(self.ibasho, "あおぞら", kind=PlaceKind.REGULAR)
        make_place(self.ibasho, "いずみ", kind=PlaceKind.EVENT)
        make_place(self.ibasho, "うみ", kind=PlaceKind.PERMANENT)
        self.login(self.ibasho)
        # 常設, 定期, イベント: the order of the choices.
        self.assertEqual(self.names("sort=kind"), ["うみ", "あおぞら", "いずみ"])
        response = self.shown("sort=-name&audience=person")
        self.assertEqual(
            [p.name for p in response.context["places"]], ["うみ", "いずみ", "あおぞら"]
        )
        self.assertContains(response, 'aria-sort="descending"')
        self.assertContains(response, "?sort=name&amp;audience=person")

    def test_the_same_queries_at_one_and_sixty_and_no_larger_beyond_the_page(self) -> None:
        self.make_places(1)
        self.login(self.ibasho)
        self.shown()  # warm the session
        # session, user with organisation, roles, the page, audit row (savepoint, lock on
        # PostgreSQL, last row, insert, release), the count, session save (savepoint, update,
        # release)
        with self.assertNumQueries(12 + audit_lock_queries()):
            self.shown()
        self.make_places(59, start=1)
        with self.assertNumQueries(12 + audit_lock_queries()):
            sixty = self.shown()
        self.assertEqual(len(sixty.context["places"]), 50)
        self.make_places(40, start=60)
        hundred = self.shown()
        self.assertContains(hundred, "全100件中 1〜50件")
        self.assertLess(abs(len(hundred.content) - len(sixty.content)), 200)
