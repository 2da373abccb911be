"""An encrypted field stores an empty list or mapping blank (so that whether it is filled in can
be asked of the column without decrypting it) and reads it back as its kind of empty value."""

from django.test import SimpleTestCase

from cases.models import Assessment
from tsunagu.fields import seal


class BlankEncryptedValueTests(SimpleTestCase):
    def test_empty_choices_are_stored_blank(self) -> None:
        self.assertEqual(seal([]), "")
        self.assertEqual(seal({}), "")
        self.assertEqual(seal(None), "")
        self.assertNotEqual(seal(["psychiatry"]), "")

    def test_a_blank_column_reads_as_the_field_s_kind_of_empty_value(self) -> None:
        life_domains = Assessment._meta.get_field("life_domains")
        medical_flags = Assessment._meta.get_field("medical_flags")
        self.assertEqual(life_domains.from_db_value("", None, None), {})
        self.assertIsNone(medical_flags.from_db_value("", None, None))
