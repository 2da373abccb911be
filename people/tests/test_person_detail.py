"""A person's page (/persons/<id>/): who may see it, what it shows, and what is audited."""

from datetime import date

from django.utils import timezone

from audit.models import AuditEvent
from cases.tests.helpers import open_case
from collaboration.consent.services import consent_record
from collaboration.tests.test_consent_service import consent_values
from people.models import Person, PersonPhone
from people.tests.helpers import add_member, make_household, make_person
from tsunagu.dates import age_on
from tsunagu.test import BaseTestCase, audit_lock_queries
from tsunagu.tests.record_pages import RecordPage, read_record_page


class DetailTestCase(BaseTestCase):
    person: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.person = make_person(
            cls.window,
            "高橋",
            "勇気",
            "タカハシ",
            "ユウキ",
            birth_date=date(1975, 5, 5),
            sex="male",
            postal_code="1000001",
            address="東京都千代田区千代田",
            address_detail="1-1",
            contact_preferences=["letter_only", "via_family"],
            phone_hours="平日18時以降",
            phones=("090-1234-5678",),
        )

    def url(self, person: Person | None = None) -> str:
        return f"/persons/{(person or self.person).pk}/"


class WhoMaySeeTests(DetailTestCase):
    def test_the_worker_sees_a_person_of_the_own_office_with_the_details(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url())
        age = age_on(date(1975, 5, 5), timezone.localdate())
        self.assertContains(response, "<title>高橋 勇気 | tsunagu つなぐ</title>", html=True)
        self.assertContains(response, "高橋 勇気")
        self.assertContains(response, "（タカハシ ユウキ）")
        self.assertContains(response, f"昭和50年5月5日生（{age}歳）")
        self.assertContains(response, "〒100-0001 東京都千代田区千代田 1-1")
        self.assertContains(response, "090-1234-5678（携帯）")
        self.assertContains(response, "手紙のみ、家族経由（電話: 平日18時以降）")
        self.assertContains(response, f'href="/persons/{self.person.pk}/edit/"')

    def test_a_colleague_in_the_same_office_sees_the_person_too(self) -> None:
        self.login(self.douryou)
        self.assertContains(self.client.get(self.url()), "高橋 勇気")

    def test_workers_of_another_organisation_get_404_and_the_attempt_is_audited(self) -> None:
        for user in (self.minato, self.houkatsu):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url())
                self.assertContains(response, "ページが見つかりません", status_code=404)
                self.assertNotContains(response, "高橋", status_code=404)
                row = self.audit_rows(action=AuditEvent.Action.DENIED, actor=user)[-1]
                self.assertEqual(
                    (row.object_type, row.object_id, row.detail),
                    ("people.person", str(self.person.pk), {"reason": "out_of_scope"}),
                )

    def test_a_person_that_does_not_exist_is_the_same_404_without_a_denial(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.get("/persons/999999/").status_code, 404)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.DENIED), [])

    def test_staff_without_the_right_to_personal_data_get_403(self) -> None:
        for user in (self.admin, self.toukei):
            with self.subTest(user=user.username):
                self.login(user)
                response = self.client.get(self.url())
                self.assertContains(response, "権限がありません", status_code=403)
                self.assertNotContains(response, "高橋", status_code=403)
                row = self.audit_rows(action=AuditEvent.Action.DENIED, actor=user)[-1]
                self.assertEqual(
                    (row.object_id, row.detail),
                    (
                        str(self.person.pk),
                        {"reason": "missing_right", "right": "view_personal_data"},
                    ),
                )

    def test_the_read_is_audited_with_the_field_names_and_never_the_values(self) -> None:
        self.login(self.soudan)
        self.client.get(self.url())
        # The hub's rows are a read of their own (people/tests/test_person_hub.py).
        (row,) = self.audit_rows(action=AuditEvent.Action.READ, object_type="people.person")
        self.assertEqual(
            (row.actor_id, row.object_type, row.object_id),
            (self.soudan.pk, "people.person", str(self.person.pk)),
        )
        self.assertEqual(
            row.detail["fields"],
            sorted(
                [
                    "family_name",
                    "given_name",
                    "family_name_kana",
                    "given_name_kana",
                    "alias",
                    "birth_date",
                    "sex",
                    "address",
                    "phones",
                    "contact",
                ]
            ),
        )
        for value in ("高橋", "タカハシ", "1975", "千代田", "1234"):
            self.assertNotIn(value, row.canonical())

    def test_the_page_takes_a_fixed_number_of_queries(self) -> None:
        for label in ("高橋さん世帯", "祖母の世帯"):
            add_member(make_household(self.window, label), self.person, "child")
        PersonPhone.objects.create(person=self.person, number="03-1234-5678", kind="home")
        self.login(self.soudan)
        self.client.get(self.url())  # warm the session
        # session, user with organisation, roles, person, phones, team, audit row (savepoint,
        # lock on PostgreSQL, last row, insert, release), the hub's eight sections (one query
        # each, people.hub_views; the eighth, 参加, came with the participation app) and their
        # audit row, merges, session save (savepoint, update, release)
        with self.assertNumQueries(26 + 2 * audit_lock_queries()):
            response = self.client.get(self.url())
        self.assertContains(response, "高橋さん世帯")
        self.assertContains(response, "祖母の世帯")
        self.assertContains(response, "03-1234-5678（自宅）")


class RestrictedPersonTests(BaseTestCase):
    restricted: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.restricted = make_person(
            cls.window,
            "佐藤",
            "花子",
            "サトウ",
            "ハナコ",
            address="東京都千代田区千代田",
            is_restricted=True,
            restriction_reason="dv",
            team=(cls.soudan,),
        )

    def test_the_team_sees_the_restricted_persons_name(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/persons/{self.restricted.pk}/")
        self.assertContains(response, "佐藤 花子")
        self.assertContains(
            response, "制限対象者（DV）: 担当チーム以外には氏名などを表示しません。"
        )

    def test_a_colleague_outside_the_team_sees_only_a_label(self) -> None:
        self.login(self.douryou)
        response = self.client.get(f"/persons/{self.restricted.pk}/")
        self.assertContains(response, f"制限対象者 #{self.restricted.pk}")
        self.assertContains(response, "氏名・住所・連絡先は担当チームの職員だけが見られます。")
        for value in ("佐藤", "花子", "サトウ", "千代田"):
            self.assertNotContains(response, value)
        self.assertNotContains(response, "/edit/")

    def test_a_colleague_outside_the_team_cannot_open_the_edit_page(self) -> None:
        self.login(self.douryou)
        response = self.client.get(f"/persons/{self.restricted.pk}/edit/")
        self.assertContains(response, "権限がありません", status_code=403)
        self.assertNotContains(response, "佐藤", status_code=403)
        (row,) = self.audit_rows(action=AuditEvent.Action.DENIED)
        self.assertEqual(row.detail, {"reason": "restricted_identity"})

    def test_the_restricted_person_created_through_the_form_is_on_the_creators_team(self) -> None:
        self.login(self.soudan)
        self.client.post(
            "/persons/new/",
            {
                "family_name": "鈴木",
                "given_name": "一郎",
                "sex": "male",
                "is_restricted": "on",
                "restriction_reason": "abuse",
            },
        )
        created = Person.objects.get(family_name="鈴木")
        self.assertContains(self.client.get(f"/persons/{created.pk}/"), "鈴木 一郎")
        self.login(self.douryou)
        response = self.client.get(f"/persons/{created.pk}/")
        self.assertContains(response, f"制限対象者 #{created.pk}")
        self.assertNotContains(response, "鈴木")


class NameDisplayTests(BaseTestCase):
    def test_rare_characters_are_kept_and_the_page_warns_that_fonts_may_not_show_them(self) -> None:
        self.login(self.soudan)
        for family_name, shown in (("𠮷田", "𠮷"), ("葛\U000e0100城", "葛\U000e0100")):
            with self.subTest(family_name=family_name):
                person = make_person(self.window, family_name, "花子")
                response = self.client.get(f"/persons/{person.pk}/")
                self.assertContains(response, f"{family_name} 花子")
                self.assertContains(
                    response, "表示や印刷で正しく出ないことがある文字（外字・異体字など）"
                )
                self.assertContains(response, f"が含まれています: {shown}。")

    def test_common_characters_get_no_warning(self) -> None:
        self.login(self.soudan)
        person = make_person(self.window, "髙橋", "花子")
        response = self.client.get(f"/persons/{person.pk}/")
        self.assertContains(response, "髙橋 花子")
        self.assertNotContains(response, "正しく出ないことがある文字")

    def test_an_unnamed_person_is_shown_by_the_alias(self) -> None:
        self.login(self.soudan)
        person = make_person(self.window, alias="Bさんの長男", estimated_age=30)
        response = self.client.get(f"/persons/{person.pk}/")
        self.assertContains(response, "<h1>Bさんの長男\n</h1>", html=True)
        self.assertContains(response, "推定30歳")

    def test_a_merged_record_points_to_the_kept_one_and_cannot_be_edited(self) -> None:
        kept = make_person(self.window, "高橋", "勇気")
        merged = make_person(self.window, "髙橋", "勇気", merged_into=kept)
        self.login(self.soudan)
        response = self.client.get(f"/persons/{merged.pk}/")
        self.assertContains(response, f'この記録は <a href="/persons/{kept.pk}/">#{kept.pk}</a>')
        self.assertNotContains(response, f"/persons/{merged.pk}/edit/")


class PersonRecordHeaderTests(DetailTestCase):
    """The summary header (components/record_header.html) and the section navigation."""

    def page(self, person: Person | None = None) -> RecordPage:
        response = self.client.get(self.url(person))
        self.assertEqual(response.status_code, 200)
        return read_record_page(response.content.decode())

    def test_it_shows_the_household_the_open_case_and_the_consent(self) -> None:
        add_member(make_household(self.window, "高橋さん世帯"), self.person, "child")
        add_member(
            make_household(self.window, "祖母の世帯"),
            self.person,
            "child",
            left_on=date(2020, 3, 31),
        )
        case = open_case(self.soudan, self.person, title="高橋 勇気さんの支援")
        consent_record(case=case, by=self.soudan, **consent_values())
        self.login(self.soudan)
        page = self.page()
        self.assertEqual(page.kind, f"本人・家族 #{self.person.pk}")
        self.assertEqual(page.name, "高橋 勇気（タカハシ ユウキ）")
        self.assertEqual(page.facts["世帯"], "高橋さん世帯（子）")
        self.assertEqual(
            page.facts["支援中のケース"], "高橋 勇気さんの支援（受付・主担当 相談 花子）"
        )
        self.assertEqual(page.facts["閲覧制限"], "なし")
        self.assertEqual(page.facts["同意"], "有効な同意あり 同意の記録へ")
        self.assertEqual(page.badges, ["同意: 有効な同意あり"])
        self.assertContains(self.client.get(self.url()), f'href="/cases/{case.pk}/"')

    def test_a_person_without_records_says_so(self) -> None:
        self.login(self.soudan)
        page = self.page()
        self.assertEqual(page.facts["世帯"], "登録なし")
        self.assertEqual(page.facts["支援中のケース"], "なし")
        self.assertEqual(page.facts["同意"], "記録なし 同意の記録へ")

    def test_a_restricted_person_carries_the_badge_for_the_team_and_for_everyone_else(self) -> None:
        restricted = make_person(
            self.window,
            "佐藤",
            "花子",
            is_restricted=True,
            restriction_reason="dv",
            team=(self.soudan,),
        )
        self.login(self.soudan)
        page = self.page(restricted)
        self.assertIn("閲覧制限", page.badges)
        self.assertEqual(page.facts["閲覧制限"], "制限対象者")
        self.login(self.douryou)
        page = self.page(restricted)
        self.assertEqual(page.name, f"制限対象者 #{restricted.pk}")
        self.assertEqual(page.badges, ["閲覧制限"])
        self.assertEqual(page.facts, {})  # nothing about the person to anyone off the team

    def test_every_section_link_goes_to_a_heading_on_the_page(self) -> None:
        self.login(self.soudan)
        page = self.page()
        self.assertEqual(page.nav_targets[:2], ["person-details", "hub-cases"])
        self.assertIn("hub-consents", page.nav_targets)
        self.assertEqual(page.missing_targets(), [])
