"""A phone number is labelled by what it is (携帯・自宅・その他), not always （携帯）."""

from django.core.exceptions import ValidationError

from people.models import Person, PersonPhone
from people.services import PHONE_KIND_WITHOUT_NUMBER, person_create
from people.tests.helpers import person_form_data
from tsunagu.test import BaseTestCase


class PhoneKindTests(BaseTestCase):
    def test_the_kind_follows_the_numbers_prefix(self) -> None:
        cases = {
            "090-1234-5678": PersonPhone.Kind.MOBILE,
            "０８０１２３４５６７８": PersonPhone.Kind.MOBILE,
            "070-1111-2222": PersonPhone.Kind.MOBILE,
            "03-1234-5678": PersonPhone.Kind.HOME,
            "0123-45-6789": PersonPhone.Kind.HOME,
            "050-1234-5678": PersonPhone.Kind.OTHER,
            "0120-123-456": PersonPhone.Kind.OTHER,
            "+81 90 1234 5678": PersonPhone.Kind.OTHER,
        }
        for number, kind in cases.items():
            with self.subTest(number=number):
                self.assertEqual(PersonPhone.kind_of_number(number), kind)

    def test_the_person_page_labels_a_home_line_as_such(self) -> None:
        self.login(self.soudan)
        data = person_form_data(family_name="高橋", given_name="茂", phone="0123-45-6789")
        self.client.post("/persons/new/", {**data, "confirmed_new": "on"})
        person = Person.objects.get(family_name="高橋", given_name="茂")
        page = self.client.get(f"/persons/{person.pk}/")
        self.assertContains(page, "0123-45-6789（自宅）")
        self.assertNotContains(page, "（携帯）")


class ChosenPhoneKindTests(BaseTestCase):
    """「電話の種別」 on the person form: blank reads the kind from the number; a choice wins."""

    def create(self, **fields: str):  # type: ignore[no-untyped-def]
        self.login(self.soudan)
        data = person_form_data(family_name="高橋", given_name="茂", **fields)
        return self.client.post("/persons/new/", {**data, "confirmed_new": "1"}, follow=True)

    def test_the_chosen_kind_is_stored_and_shown(self) -> None:
        response = self.create(phone="090-1234-5678", phone_kind="work")
        person = Person.objects.get(family_name="高橋", given_name="茂")
        self.assertEqual(person.phones.get().kind, PersonPhone.Kind.WORK)
        self.assertContains(response, "090-1234-5678（勤務先）")

    def test_a_blank_kind_is_read_from_the_number(self) -> None:
        self.create(phone="03-1234-5678", phone_kind="")
        phone = PersonPhone.objects.get(number="03-1234-5678")
        self.assertEqual(phone.kind, PersonPhone.Kind.HOME)

    def test_a_kind_without_a_number_is_refused_at_the_field_and_nothing_is_saved(self) -> None:
        response = self.create(phone="", phone_kind="mobile")
        self.assertContains(response, PHONE_KIND_WITHOUT_NUMBER)
        self.assertContains(response, 'value="高橋"')  # the input stays
        self.assertFalse(Person.objects.filter(family_name="高橋", given_name="茂").exists())

    def test_the_service_refuses_a_kind_without_a_number(self) -> None:
        assert self.soudan.organisation_id is not None
        with self.assertRaisesMessage(ValidationError, PHONE_KIND_WITHOUT_NUMBER):
            person_create(
                organisation_id=self.soudan.organisation_id,
                data={"family_name": "高橋", "given_name": "茂"},
                phone_kind="mobile",
                by=self.soudan,
            )

    def test_the_create_form_offers_the_kind_and_the_edit_form_does_not(self) -> None:
        self.login(self.soudan)
        page = self.client.get("/persons/new/")
        self.assertContains(page, "電話の種別")
        self.assertContains(page, '<option value="" selected>番号から判断する</option>', html=True)
        self.create(phone="090-1234-5678")
        person = Person.objects.get(family_name="高橋", given_name="茂")
        self.assertNotContains(self.client.get(f"/persons/{person.pk}/edit/"), "電話の種別")
