"""Household pages: an 8050 household with its members, ages in 和暦, and memberships over time."""

from datetime import date

from django.utils import timezone

from audit.models import AuditEvent
from cases.services import case_open
from cases.tests.helpers import open_case
from people.models import Household, HouseholdMembership, Person
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.dates import wareki
from tsunagu.test import BaseTestCase
from tsunagu.tests.record_pages import RecordPage, read_record_page


def born_years_ago(years: int) -> date:
    """A birth date that makes the person exactly `years` old today (1 January)."""
    return date(timezone.localdate().year - years, 1, 1)


class HouseholdTestCase(BaseTestCase):
    father: Person
    son: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.father = make_person(
            cls.window, "高橋", "茂", "タカハシ", "シゲル", birth_date=born_years_ago(80)
        )
        cls.son = make_person(
            cls.window, "高橋", "勇気", "タカハシ", "ユウキ", birth_date=born_years_ago(50)
        )

    def add(self, household: Household, person: Person, relationship: str, **fields: str):  # type: ignore[no-untyped-def]
        household.refresh_from_db()
        data = {
            "person": str(person.pk),
            "relationship": relationship,
            "lives_together": "on",
            "version": str(household.version),
            **fields,
        }
        return self.client.post(f"/households/{household.pk}/members/", data, follow=True)


class CreateHouseholdTests(HouseholdTestCase):
    def test_a_worker_creates_a_household_and_the_postal_code_fills_the_address(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            "/households/new/",
            {"label": "高橋さん世帯", "postal_code": "100-0001", "address": "", "note": ""},
        )
        household = Household.objects.get()
        self.assertRedirects(
            response, f"/households/{household.pk}/", fetch_redirect_response=False
        )
        self.assertEqual(
            (household.label, household.postal_code, household.address, household.organisation),
            ("高橋さん世帯", "1000001", "東京都千代田区千代田", self.window),
        )
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE)
        self.assertEqual((row.object_type, row.object_id), ("people.household", str(household.pk)))
        self.assertNotIn("高橋", row.canonical())

    def test_bad_input_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.soudan)
        cases = {
            "postal_code": ("9999999", "郵便番号 999-9999 は見つかりません。"),
            "label": ("高橋\u202eさん世帯", "制御文字"),
        }
        for field, (typed, message) in cases.items():
            with self.subTest(field=field):
                data = {"label": "高橋さん世帯", "postal_code": "", "address": "", "note": ""}
                data[field] = typed
                response = self.client.post("/households/new/", data)
                self.assertContains(response, message)
                self.assertContains(response, "まだ保存していません")
        self.assertEqual(Household.objects.count(), 0)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.CREATE), [])

    def test_staff_without_the_right_cannot_create_a_household(self) -> None:
        self.login(self.toukei)
        response = self.client.post("/households/new/", {"label": "高橋さん世帯"})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(Household.objects.count(), 0)


class MembersTests(HouseholdTestCase):
    def setUp(self) -> None:
        self.household = make_household(self.window, "高橋さん世帯")
        self.login(self.soudan)

    def test_an_8050_household_lists_every_member_with_relationship_birth_date_and_age(
        self,
    ) -> None:
        response = self.add(self.household, self.father, "head", is_key_contact="on")
        self.assertContains(response, "高橋 茂 さんを世帯員に加えました。")
        response = self.add(self.household, self.son, "child", joined_on="平成2年4月1日")
        self.assertContains(response, "高橋 勇気 さんを世帯員に加えました。")
        page = self.client.get(f"/households/{self.household.pk}/")
        self.assertContains(page, "高橋 茂")
        self.assertContains(page, "<td>世帯主</td>", html=True)
        self.assertContains(page, f"{wareki(born_years_ago(80))}生（80歳）")
        self.assertContains(page, "高橋 勇気")
        self.assertContains(page, "<td>子</td>", html=True)
        self.assertContains(page, f"{wareki(born_years_ago(50))}生（50歳）")
        self.assertContains(page, "平成2年4月1日〜")
        self.assertContains(page, "主な連絡先")
        memberships = HouseholdMembership.objects.filter(household=self.household)
        self.assertEqual(
            sorted(memberships.values_list("person_id", "relationship")),
            sorted([(self.father.pk, "head"), (self.son.pk, "child")]),
        )
        self.household.refresh_from_db()
        self.assertEqual(self.household.version, 3)

    def test_adding_a_member_is_audited_with_ids_only(self) -> None:
        self.add(self.household, self.son, "child")
        membership = HouseholdMembership.objects.get()
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual(
            (row.object_type, row.object_id, row.detail),
            (
                "people.household",
                str(self.household.pk),
                {"person": self.son.pk, "membership": membership.pk, "fields": ["memberships"]},
            ),
        )

    def test_the_page_read_is_audited(self) -> None:
        add_member(self.household, self.son, "child")
        self.client.get(f"/households/{self.household.pk}/")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.household")
        self.assertEqual(row.object_id, str(self.household.pk))
        self.assertNotIn("高橋", row.canonical())

    def test_an_add_against_an_old_version_of_the_household_is_refused(self) -> None:
        stale = self.household.version
        add_member(self.household, self.father, "head")
        Household.objects.filter(pk=self.household.pk).update(version=stale + 1)
        response = self.client.post(
            f"/households/{self.household.pk}/members/",
            {"person": self.son.pk, "relationship": "child", "version": stale},
            follow=True,
        )
        self.assertContains(response, "ほかの人が先にこの記録を更新しました。")
        self.assertFalse(HouseholdMembership.objects.filter(person=self.son).exists())

    def test_a_current_member_cannot_be_added_twice(self) -> None:
        self.add(self.household, self.son, "child")
        response = self.add(self.household, self.son, "child")
        self.assertContains(response, "高橋 勇気 さんはすでにこの世帯の世帯員です。")
        self.assertEqual(HouseholdMembership.objects.count(), 1)

    def test_an_add_without_a_chosen_person_is_explained(self) -> None:
        response = self.client.post(
            f"/households/{self.household.pk}/members/",
            {"relationship": "child", "version": self.household.version},
            follow=True,
        )
        self.assertContains(response, "世帯員を追加できませんでした: 加える人を選んでください。")
        self.assertEqual(HouseholdMembership.objects.count(), 0)

    def test_a_person_of_another_organisation_cannot_be_added(self) -> None:
        stranger = make_person(self.minato_window, "港", "太郎")
        response = self.add(self.household, stranger, "child")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(HouseholdMembership.objects.count(), 0)

    def test_ending_a_membership_before_it_began_is_refused(self) -> None:
        membership = add_member(self.household, self.son, "child", joined_on=date(2020, 4, 1))
        response = self.client.post(
            f"/households/{self.household.pk}/members/{membership.pk}/end/",
            {"left_on": "令和2年3月31日"},
            follow=True,
        )
        self.assertContains(response, "離脱日は加入日より後の日付にしてください。")
        membership.refresh_from_db()
        self.assertIsNone(membership.left_on)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])

    def test_ending_a_membership_asks_for_confirmation_first(self) -> None:
        membership = add_member(self.household, self.son, "child", joined_on=date(1976, 1, 1))
        url = f"/households/{self.household.pk}/members/{membership.pk}/end/"
        response = self.client.post(url, {"left_on": "R6.3.31"})
        self.assertTemplateUsed(response, "confirm.html")
        for text in (
            f"{self.son}さんの世帯からの離脱を記録します",
            "まだ何も変わっていません",
            str(self.household),
            "令和6年3月31日",
            "いまの世帯員の一覧から外れます",
            f'href="/households/{self.household.pk}/">戻る</a>',
            '<button type="submit">離脱を記録する</button>',
            '<input type="hidden" name="left_on" value="R6.3.31">',
        ):
            self.assertContains(response, text)
        membership.refresh_from_db()
        self.assertIsNone(membership.left_on)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])
        self.client.post(url, {"left_on": "R6.3.31", "confirmed": "yes"})
        membership.refresh_from_db()
        self.assertEqual(membership.left_on, date(2024, 3, 31))

    def test_an_impossible_left_date_is_refused(self) -> None:
        membership = add_member(self.household, self.son, "child")
        response = self.client.post(
            f"/households/{self.household.pk}/members/{membership.pk}/end/",
            {"left_on": "2023-02-29"},
            follow=True,
        )
        self.assertContains(
            response, "離脱日を確認してください: 2023年2月29日は存在しない日付です。"
        )
        membership.refresh_from_db()
        self.assertIsNone(membership.left_on)

    def test_a_person_belongs_to_two_households_over_time(self) -> None:
        membership = add_member(self.household, self.son, "child", joined_on=date(1976, 1, 1))
        response = self.client.post(
            f"/households/{self.household.pk}/members/{membership.pk}/end/",
            {"left_on": "R6.3.31", "confirmed": "yes"},
            follow=True,
        )
        self.assertContains(response, "離脱日を記録しました。")
        own = make_household(self.window, "高橋勇気さん世帯")
        self.add(own, self.son, "self", joined_on="2024-04-01")
        self.assertEqual(
            list(
                HouseholdMembership.objects.filter(person=self.son)
                .order_by("joined_on")
                .values_list("household__label", "joined_on", "left_on")
            ),
            [
                ("高橋さん世帯", date(1976, 1, 1), date(2024, 3, 31)),
                ("高橋勇気さん世帯", date(2024, 4, 1), None),
            ],
        )
        old_page = self.client.get(f"/households/{self.household.pk}/")
        self.assertContains(old_page, "昭和51年1月1日〜令和6年3月31日")
        self.assertContains(old_page, '<tr class="past">', html=False)
        person_page = self.client.get(f"/persons/{self.son.pk}/")
        self.assertContains(person_page, "高橋さん世帯</a>（子、令和6年3月31日に離脱）")
        self.assertContains(person_page, "高橋勇気さん世帯</a>（本人）")


class HouseholdAccessTests(HouseholdTestCase):
    def setUp(self) -> None:
        self.household = make_household(self.window, "高橋さん世帯", address="つなぐ市本町")
        add_member(self.household, self.father, "head")

    def test_the_list_shows_the_own_offices_households_with_current_member_counts(self) -> None:
        make_household(self.minato_window, "港さん世帯")
        add_member(self.household, self.son, "child", left_on=date(2000, 3, 31))
        self.login(self.douryou)
        response = self.client.get("/households/")
        self.assertContains(response, "高橋さん世帯")
        self.assertContains(response, "<td>1人</td>", html=True)
        self.assertNotContains(response, "港さん世帯")

    def test_another_organisation_gets_404_and_the_attempt_is_audited(self) -> None:
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(f"/households/{self.household.pk}/")
                self.assertEqual(response.status_code, 404)
                row = self.audit_rows(action=AuditEvent.Action.DENIED, actor=user)[-1]
                self.assertEqual(row.detail, {"reason": "out_of_scope"})

    def test_staff_without_the_right_get_403(self) -> None:
        for user in (self.admin, self.toukei):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get("/households/").status_code, 403)
                self.assertEqual(
                    self.client.get(f"/households/{self.household.pk}/").status_code, 403
                )

    def test_a_restricted_member_is_shown_by_label_outside_the_team(self) -> None:
        mother = make_person(
            self.window,
            "高橋",
            "和子",
            birth_date=born_years_ago(78),
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        add_member(self.household, mother, "spouse")
        self.login(self.douryou)
        response = self.client.get(f"/households/{self.household.pk}/")
        self.assertContains(response, f"制限対象者 #{mother.pk}")
        self.assertNotContains(response, "和子")
        self.assertNotContains(response, wareki(born_years_ago(78)))
        self.login(self.soudan)
        self.assertContains(self.client.get(f"/households/{self.household.pk}/"), "高橋 和子")

    def test_only_the_team_may_add_a_restricted_person_to_a_household(self) -> None:
        hidden = make_person(
            self.window,
            "佐藤",
            "花子",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        self.login(self.douryou)
        response = self.add(self.household, hidden, "other")
        self.assertEqual(response.status_code, 403)
        self.assertNotContains(response, "佐藤", status_code=403)
        self.assertFalse(HouseholdMembership.objects.filter(person=hidden).exists())
        self.login(self.soudan)
        self.assertContains(
            self.add(self.household, hidden, "other"), "佐藤 花子 さんを世帯員に加えました。"
        )

    def test_picking_a_member_offers_the_persons_the_worker_may_identify(self) -> None:
        hidden = make_person(
            self.window,
            "高橋",
            "花子",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        make_person(self.minato_window, "高橋", "三郎")
        self.login(self.douryou)
        response = self.client.get("/persons/pick/", {"q": "高橋"})
        self.assertContains(response, f'value="{self.father.pk}"')
        self.assertContains(response, f'value="{self.son.pk}"')
        self.assertNotContains(response, f'value="{hidden.pk}"')
        self.assertNotContains(response, "三郎")
        (row,) = self.audit_rows(action=AuditEvent.Action.READ)
        self.assertEqual(sorted(row.detail["ids"]), sorted([self.father.pk, self.son.pk]))


class HouseholdRecordHeaderTests(HouseholdTestCase):
    """The summary header (components/record_header.html) and the section navigation."""

    def setUp(self) -> None:
        self.household = make_household(
            self.window, "高橋さん世帯", postal_code="1000001", address="東京都千代田区千代田"
        )
        add_member(self.household, self.father, "head")
        add_member(self.household, self.son, "child")

    def page(self) -> RecordPage:
        response = self.client.get(f"/households/{self.household.pk}/")
        self.assertEqual(response.status_code, 200)
        return read_record_page(response.content.decode())

    def test_it_shows_the_address_the_current_members_and_the_open_cases(self) -> None:
        grandmother = make_person(self.window, "高橋", "トメ")
        add_member(self.household, grandmother, "other", left_on=date(2020, 3, 31))
        household_case = case_open(
            organisation_id=self.window.pk,
            title="高橋さん世帯の支援",
            lead_worker=self.soudan,
            household_id=self.household.pk,
            by=self.soudan,
        )
        open_case(self.soudan, self.son, title="高橋 勇気さんの支援")
        self.login(self.soudan)
        page = self.page()
        self.assertEqual((page.kind, page.name), (f"世帯 #{self.household.pk}", "高橋さん世帯"))
        self.assertEqual(page.facts["住所"], "〒100-0001 東京都千代田区千代田")
        self.assertEqual(page.facts["世帯員"], "2人")
        self.assertEqual(
            page.facts["支援中のケース"],
            f"ケース #{household_case.pk}（受付） ほかに世帯員のケース 1件",
        )
        self.assertEqual(page.badges, [])

    def test_a_restricted_member_puts_the_badge_on_the_household(self) -> None:
        mother = make_person(
            self.window, "高橋", "和子", is_restricted=True, restriction_reason="dv"
        )
        add_member(self.household, mother, "spouse")
        self.login(self.douryou)
        page = self.page()
        self.assertEqual(page.badges, ["閲覧制限"])
        self.assertEqual(page.facts["世帯員"], "3人（制限対象者を含む）")
        self.assertEqual(page.facts["支援中のケース"], "なし")

    def test_every_section_link_goes_to_a_heading_on_the_page(self) -> None:
        self.login(self.soudan)
        page = self.page()
        self.assertEqual(
            page.nav_targets,
            [
                "household-cases",
                "household-members",
                "household-attendance",
                "household-add-member",
            ],
        )
        self.assertEqual(page.missing_targets(), [])
