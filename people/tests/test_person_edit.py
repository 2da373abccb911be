"""Editing a person (/persons/<id>/edit/) with optimistic locking: nobody's work is overwritten."""

from datetime import date

from django.utils import timezone

from audit.models import AuditEvent
from people.models import Person
from people.services import person_update
from people.tests.helpers import make_person, person_form_data
from tsunagu.test import BaseTestCase


class EditTestCase(BaseTestCase):
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
            team=(cls.soudan,),
        )

    def url(self) -> str:
        return f"/persons/{self.person.pk}/edit/"

    def form(self, **changes: object) -> dict[str, object]:
        """The form as the worker opened it (version 1), with their changes."""
        values = {
            "family_name": "高橋",
            "given_name": "勇気",
            "family_name_kana": "タカハシ",
            "given_name_kana": "ユウキ",
            "birth_date": "昭和50年5月5日",
            "sex": "male",
            "postal_code": "1000001",
            "address": "東京都千代田区千代田",
            "age_band": "unknown",
            "version": "1",
        }
        values.update(changes)
        data = person_form_data(**values)
        del data["phone"]
        return data

    def fresh(self) -> Person:
        return Person.objects.get(pk=self.person.pk)


class EditPageTests(EditTestCase):
    def test_the_form_shows_the_birth_date_in_wareki_and_the_version(self) -> None:
        self.login(self.soudan)
        response = self.client.get(self.url())
        self.assertContains(response, "高橋 勇気 さんの記録を編集")
        self.assertContains(response, 'value="昭和50年5月5日"')
        self.assertContains(response, '<input type="hidden" name="version" value="1"', html=False)
        self.assertNotContains(response, 'name="phone"')

    def test_a_save_changes_the_record_bumps_the_version_and_audits_the_field_names(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url(), self.form(address_detail="2-3 ひだまり荘101", phone_hours="夕方")
        )
        self.assertRedirects(response, f"/persons/{self.person.pk}/", fetch_redirect_response=False)
        person = self.fresh()
        self.assertEqual(
            (person.address_detail, person.phone_hours, person.version),
            ("2-3 ひだまり荘101", "夕方", 2),
        )
        (row,) = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual((row.object_id, row.actor_id), (str(self.person.pk), self.soudan.pk))
        self.assertEqual(row.detail, {"fields": ["address_detail", "phone_hours"]})
        self.assertNotIn("ひだまり", row.canonical())
        self.assertContains(self.client.get(response["Location"]), "保存しました。")

    def test_a_changed_name_is_found_by_the_new_name(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url(), self.form(family_name="髙橋"))
        person = self.fresh()
        self.assertEqual(person.family_name, "髙橋")
        response = self.client.get("/persons/", {"q": "髙橋勇気"})
        self.assertContains(response, "髙橋 勇気")

    def test_a_save_without_changes_writes_nothing(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url(), self.form())
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh().version, 1)
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])

    def test_a_new_estimate_of_the_age_is_dated_today(self) -> None:
        self.login(self.soudan)
        self.client.post(self.url(), self.form(birth_date="", estimated_age="48"))
        person = self.fresh()
        self.assertEqual(
            (person.birth_date, person.estimated_age, person.estimated_on),
            (None, 48, timezone.localdate()),
        )
        self.assertEqual(person.age_label(), "推定48歳")

    def test_bad_input_is_refused_and_nothing_is_saved(self) -> None:
        self.login(self.soudan)
        cases = {
            "postal_code": ("9999999", "郵便番号 999-9999 は見つかりません。"),
            "birth_date": ("令和2年2月30日", "令和2年2月30日は存在しない日付です"),
            "given_name": ("勇\u202e気", "制御文字"),
        }
        for field, (typed, message) in cases.items():
            with self.subTest(field=field):
                response = self.client.post(self.url(), self.form(**{field: typed}))
                self.assertContains(response, message)
                self.assertContains(response, "まだ保存していません")
        person = self.fresh()
        self.assertEqual(
            (person.version, person.given_name, person.postal_code), (1, "勇気", "1000001")
        )
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])

    def test_removing_both_name_and_alias_is_refused(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url(), self.form(family_name="", given_name=""))
        self.assertContains(
            response, "氏名か仮名・呼び名（例: Bさんの長男）のどちらかを入力してください。"
        )
        self.assertEqual(self.fresh().full_name, "高橋 勇気")

    def test_another_office_gets_404_and_staff_without_the_right_get_403(self) -> None:
        for user, status in ((self.minato, 404), (self.houkatsu, 404), (self.admin, 403)):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.get(self.url()).status_code, status)
                response = self.client.post(self.url(), self.form(family_name="港"))
                self.assertEqual(response.status_code, status)
        self.assertEqual(self.fresh().family_name, "高橋")

    def test_a_merged_record_cannot_be_saved(self) -> None:
        kept = make_person(self.window, "高橋", "勇気")
        Person.objects.filter(pk=self.person.pk).update(merged_into=kept)
        self.login(self.soudan)
        response = self.client.post(self.url(), self.form(phone_hours="夕方"), follow=True)
        self.assertContains(
            response,
            f"この記録は #{kept.pk} に統合されています。統合先の記録を編集してください。",
        )
        self.assertEqual(self.fresh().phone_hours, "")
        self.assertEqual(self.audit_rows(action=AuditEvent.Action.UPDATE), [])


class StaleSaveTests(EditTestCase):
    def setUp(self) -> None:
        # The colleague saved first, while soudan still had version 1 open.
        person_update(
            person=self.person,
            data={"address_detail": "5-6 みどり荘", "phone_hours": "午前中"},
            version=1,
            by=self.douryou,
        )
        self.login(self.soudan)

    def test_a_stale_save_is_refused_and_nothing_is_overwritten(self) -> None:
        response = self.client.post(
            self.url(), self.form(address_detail="2-3 ひだまり荘101", given_name="勇樹")
        )
        self.assertEqual(response.status_code, 200)
        person = self.fresh()
        self.assertEqual(
            (person.given_name, person.address_detail, person.phone_hours, person.version),
            ("勇気", "5-6 みどり荘", "午前中", 2),
        )
        updates = self.audit_rows(action=AuditEvent.Action.UPDATE)
        self.assertEqual([row.actor_id for row in updates], [self.douryou.pk])

    def test_a_stale_save_shows_both_versions_and_keeps_the_workers_input(self) -> None:
        response = self.client.post(
            self.url(), self.form(address_detail="2-3 ひだまり荘101", given_name="勇樹")
        )
        self.assertContains(response, "ほかの人が先に更新しました")
        self.assertContains(response, "保存されている内容（版 2）")
        self.assertContains(response, "住所: 1000001 東京都千代田区千代田 5-6 みどり荘")
        self.assertContains(response, 'value="2-3 ひだまり荘101"')
        self.assertContains(response, 'value="勇樹"')
        form = response.context["form"]
        self.assertEqual(form.data["given_name"], "勇樹")
        self.assertEqual(form.data["version"], "2")

    def test_saving_again_after_reading_the_conflict_saves_the_workers_input(self) -> None:
        response = self.client.post(self.url(), self.form(address_detail="2-3 ひだまり荘101"))
        again = response.context["form"].data.dict()
        response = self.client.post(self.url(), again)
        self.assertEqual(response.status_code, 302)
        person = self.fresh()
        self.assertEqual((person.address_detail, person.version), ("2-3 ひだまり荘101", 3))


class RestrictionOnThePageTests(EditTestCase):
    def restrict(self) -> None:
        Person.objects.filter(pk=self.person.pk).update(is_restricted=True, restriction_reason="dv")

    def test_unticking_the_restriction_without_confirming_keeps_it(self) -> None:
        self.restrict()
        self.client.force_login(self.soudan)
        response = self.client.post(self.url(), self.form())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "解除してよいか確認")
        self.assertTrue(self.fresh().is_restricted)

    def test_a_confirmed_lift_is_saved_and_audited(self) -> None:
        self.restrict()
        self.client.force_login(self.soudan)
        response = self.client.post(self.url(), self.form(confirm_lift_restriction="on"))
        self.assertEqual(response.status_code, 302)
        self.assertFalse(self.fresh().is_restricted)
        event = AuditEvent.objects.filter(object_id=str(self.person.pk)).latest("id")
        self.assertEqual(event.detail["restriction"], "lifted")

    def test_the_confirmation_is_offered_only_for_a_restricted_person(self) -> None:
        self.client.force_login(self.soudan)
        self.assertNotContains(self.client.get(self.url()), "confirm_lift_restriction")
        self.restrict()
        self.assertContains(self.client.get(self.url()), "confirm_lift_restriction")
