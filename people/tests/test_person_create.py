"""Creating a person (/persons/new/): unnamed persons, input checks, 和暦, duplicates first."""

from datetime import date, timedelta

from django.utils import timezone

from audit.models import AuditEvent
from people.models import DuplicateCandidate, Person
from people.tests.helpers import make_person, person_form_data
from tsunagu.test import BaseTestCase

URL = "/persons/new/"


class CreateTestCase(BaseTestCase):
    def post(self, **fields: object):  # type: ignore[no-untyped-def]
        return self.client.post(URL, person_form_data(**fields))

    def assert_nothing_saved(self, response, message: str, before: int = 0) -> None:  # type: ignore[no-untyped-def]
        self.assertContains(response, message)
        self.assertContains(response, "まだ保存していません")
        self.assertEqual(Person.objects.count(), before)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.CREATE), [])


class UnnamedPersonTests(CreateTestCase):
    def setUp(self) -> None:
        self.login(self.soudan)

    def test_a_person_known_only_by_an_alias_can_be_created(self) -> None:
        response = self.post(alias="Bさんの長男", estimated_age="30")
        person = Person.objects.get()
        self.assertRedirects(response, f"/persons/{person.pk}/", fetch_redirect_response=False)
        self.assertEqual((person.full_name, person.alias), ("", "Bさんの長男"))
        self.assertEqual(person.organisation, self.window)
        self.assertEqual(person.created_by, self.soudan)
        self.assertEqual(list(person.team.all()), [self.soudan])
        page = self.client.get(response["Location"])
        self.assertContains(page, "Bさんの長男 さんの記録を作成しました。")
        self.assertContains(page, "推定30歳")

    def test_an_estimated_age_is_dated_so_that_it_grows_from_the_day_it_was_entered(self) -> None:
        self.post(alias="Bさんの長男", estimated_age="30")
        person = Person.objects.get()
        self.assertEqual(person.estimated_on, timezone.localdate())
        in_two_years = timezone.localdate() + timedelta(days=2 * 366)
        self.assertEqual(person.age(in_two_years), 32)

    def test_neither_a_name_nor_an_alias_is_refused_and_nothing_is_saved(self) -> None:
        response = self.post(family_name_kana="タカハシ", sex="male")
        self.assert_nothing_saved(
            response, "氏名か仮名・呼び名（例: Bさんの長男）のどちらかを入力してください。"
        )

    def test_creation_is_audited_with_field_names_and_no_values(self) -> None:
        self.post(alias="Bさんの長男", phone="090-1234-5678")
        person = Person.objects.get()
        (row,) = self.audit_rows(action=AuditEvent.Action.CREATE)
        self.assertEqual((row.object_type, row.object_id), ("people.person", str(person.pk)))
        self.assertIn("alias", row.detail["fields"])
        self.assertIn("phone", row.detail["fields"])
        self.assertNotIn("Bさん", row.canonical())
        self.assertNotIn("1234", row.canonical())
        self.assertEqual(list(person.phones.values_list("digits", flat=True)), ["09012345678"])


class BadInputTests(CreateTestCase):
    def setUp(self) -> None:
        self.login(self.soudan)

    def test_a_postal_code_that_is_not_seven_digits_is_refused(self) -> None:
        response = self.post(family_name="高橋", postal_code="123")
        self.assert_nothing_saved(
            response, "郵便番号は7桁の数字で入力してください（例: 100-0001）。"
        )

    def test_a_postal_code_that_does_not_exist_is_refused(self) -> None:
        response = self.post(family_name="高橋", postal_code="9999999")
        self.assert_nothing_saved(
            response, "郵便番号 999-9999 は見つかりません。確認してください。"
        )

    def test_impossible_dates_are_refused_in_both_calendars(self) -> None:
        cases = {
            "2020-02-30": "2020年2月30日は存在しない日付です。",
            "令和2年2月30日": "令和2年2月30日は存在しない日付です",
            "令和0年5月1日": "令和0年5月1日は存在しない日付です（令和は2019年5月1日から）",
            "平成31年5月1日": "平成31年5月1日は存在しない日付です（平成は2019年4月30日まで）",
            "2月30日": "「2月30日」は和暦の日付として読み取れません",
        }
        for typed, message in cases.items():
            with self.subTest(typed=typed):
                response = self.post(family_name="高橋", birth_date=typed)
                self.assert_nothing_saved(response, message)
                self.assertContains(response, f'value="{typed}"')

    def test_a_birth_date_before_the_calendar_can_be_shown_is_refused(self) -> None:
        response = self.post(family_name="高橋", birth_date="1850-01-01")
        self.assert_nothing_saved(response, "1850年1月1日には対応していません")

    def test_a_future_birth_date_is_refused(self) -> None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        response = self.post(family_name="高橋", birth_date=tomorrow.isoformat())
        self.assert_nothing_saved(response, "生年月日が未来の日付です。")

    def test_a_500_character_family_name_is_refused(self) -> None:
        response = self.post(family_name="高" * 500)
        self.assert_nothing_saved(response, "この値は 60 文字以下でなければなりません")
        self.assertNotContains(response, "氏名か仮名・呼び名")

    def test_control_and_direction_override_characters_in_a_name_are_refused(self) -> None:
        for name in (
            "高\x07橋",
            "高橋\u202e",
            "高\u200f橋",
            "高\u2066橋",
            "高\u200b橋",
            "\ufeff高橋",
        ):
            with self.subTest(name=repr(name)):
                response = self.post(family_name=name)
                self.assert_nothing_saved(
                    response, "制御文字（改行・タブ・見えない書式文字など）は使えません。"
                )

    def test_a_restricted_person_needs_a_reason(self) -> None:
        response = self.post(family_name="高橋", is_restricted="on")
        self.assert_nothing_saved(response, "制限対象者にする理由を選んでください。")

    def test_an_estimated_age_above_130_is_refused(self) -> None:
        response = self.post(alias="Bさんの長男", estimated_age="131")
        self.assert_nothing_saved(response, "推定年齢は0〜130歳の範囲で入力してください。")


class GoodInputTests(CreateTestCase):
    def setUp(self) -> None:
        self.login(self.soudan)

    def test_a_postal_code_fills_in_the_address(self) -> None:
        self.post(family_name="高橋", postal_code="100-0001", address_detail="1-1")
        person = Person.objects.get()
        self.assertEqual(
            (person.postal_code, person.address, person.address_detail),
            ("1000001", "東京都千代田区千代田", "1-1"),
        )

    def test_a_full_width_postal_code_is_understood(self) -> None:
        self.post(family_name="高橋", postal_code="〒１００－０００１")
        self.assertEqual(Person.objects.get().postal_code, "1000001")

    def test_birth_dates_typed_in_wareki_are_stored_in_the_gregorian_calendar(self) -> None:
        for typed in ("昭和50年5月5日", "S50.5.5", "1975/5/5", "１９７５－０５－０５"):
            with self.subTest(typed=typed):
                response = self.post(alias=f"確認{typed}", birth_date=typed)
                person = Person.objects.get(alias=f"確認{typed}")
                self.assertRedirects(response, f"/persons/{person.pk}/")
                self.assertEqual(person.birth_date, date(1975, 5, 5))

    def test_names_keep_the_code_points_that_were_typed(self) -> None:
        for family_name in ("髙橋", "𠮷田", "葛\U000e0100城"):
            with self.subTest(family_name=family_name):
                self.post(family_name=family_name, given_name="太郎", birth_date="")
                person = Person.objects.filter(family_name=family_name).get()
                self.assertEqual(person.family_name, family_name)
                self.assertEqual(len(person.family_name), len(family_name))


class DuplicateOnCreateTests(CreateTestCase):
    TAKAHASHI = {
        "family_name": "髙橋",
        "given_name": "勇気",
        "family_name_kana": "タカハシ",
        "given_name_kana": "ユウキ",
        "birth_date": "1990-04-01",
    }

    def setUp(self) -> None:
        self.login(self.soudan)

    def existing(self, organisation=None, **fields):  # type: ignore[no-untyped-def]
        return make_person(
            organisation or self.window,
            "高橋",
            "勇気",
            "タカハシ",
            "ユウキ",
            birth_date=date(1990, 4, 1),
            **fields,
        )

    def test_a_probable_duplicate_is_shown_and_nothing_is_saved(self) -> None:
        existing = self.existing()
        response = self.post(**self.TAKAHASHI)
        self.assertContains(response, "同じ人がすでに登録されているかもしれません")
        self.assertContains(response, "可能性が高い（0.95）")
        self.assertContains(response, "氏名が一致、読みが一致、生年月日が一致")
        self.assertContains(response, f'href="/persons/{existing.pk}/"')
        self.assertContains(response, "別人として登録する")
        self.assertEqual(list(Person.objects.all()), [existing])
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.CREATE), [])
        self.assertEqual(DuplicateCandidate.objects.count(), 0)

    def test_confirming_a_new_person_creates_it_and_queues_the_pair_for_review(self) -> None:
        existing = self.existing()
        response = self.post(**self.TAKAHASHI, confirmed_new="1")
        created = Person.objects.exclude(pk=existing.pk).get()
        self.assertRedirects(response, f"/persons/{created.pk}/")
        self.assertEqual(created.family_name, "髙橋")
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual(
            (candidate.first_id, candidate.second_id, candidate.score, candidate.status),
            (existing.pk, created.pk, 0.95, DuplicateCandidate.Status.OPEN),
        )

    def test_a_same_phone_number_and_postal_code_make_a_possible_duplicate(self) -> None:
        existing = make_person(
            self.window, alias="Cさんの次女", postal_code="1000001", phones=("090-1111-2222",)
        )
        response = self.post(alias="駅前で会った人", postal_code="1000001", phone="09011112222")
        self.assertContains(response, "可能性あり（0.4）")
        self.assertContains(response, "電話番号が一致、郵便番号が一致")
        self.assertEqual(list(Person.objects.all()), [existing])

    def test_a_same_phone_number_alone_is_not_enough_to_hold_the_worker_up(self) -> None:
        make_person(self.window, alias="Cさんの次女", phones=("090-1111-2222",))
        response = self.post(alias="駅前で会った人", phone="09011112222")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Person.objects.count(), 2)

    def test_a_similar_record_of_another_organisation_is_never_shown(self) -> None:
        other = self.existing(organisation=self.minato_window)
        response = self.post(**self.TAKAHASHI)
        created = Person.objects.exclude(pk=other.pk).get()
        self.assertRedirects(response, f"/persons/{created.pk}/")
        self.assertEqual(DuplicateCandidate.objects.count(), 0)

    def test_a_restricted_duplicate_is_not_shown_outside_its_team_but_queued(self) -> None:
        restricted = self.existing(is_restricted=True, restriction_reason="dv", team=(self.soudan,))
        self.login(self.douryou)
        response = self.post(**self.TAKAHASHI)
        created = Person.objects.exclude(pk=restricted.pk).get()
        self.assertRedirects(response, f"/persons/{created.pk}/", fetch_redirect_response=False)
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual((candidate.first_id, candidate.second_id), (restricted.pk, created.pk))

    def test_the_team_of_a_restricted_person_is_warned(self) -> None:
        restricted = self.existing(is_restricted=True, restriction_reason="dv", team=(self.soudan,))
        response = self.post(**self.TAKAHASHI)
        self.assertContains(response, "可能性が高い（0.95）")
        self.assertContains(response, f'href="/persons/{restricted.pk}/"')
        self.assertEqual(Person.objects.count(), 1)

    def test_a_worker_without_the_right_cannot_open_the_form(self) -> None:
        for user in (self.admin, self.toukei):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(URL).status_code, 403)
                self.assertEqual(self.post(alias="Bさんの長男").status_code, 403)
        self.assertEqual(Person.objects.count(), 0)
