"""A phone number is labelled by what it is (携帯・自宅・その他), not always （携帯）."""

from people.models import Person, PersonPhone
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
