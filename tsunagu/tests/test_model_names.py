"""Every model has a Japanese name: the audit log, the admin of records and the previous versions
name a record by its model's verbose name (audit/labels.py), so none may read as code."""

from django.apps import apps
from django.test import SimpleTestCase

OUR_APPS = {
    "accounts",
    "audit",
    "people",
    "consultations",
    "cases",
    "collaboration",
    "community",
    "supporters",
    "participation",
    "reports",
    "notifications",
}


class ModelNamesTests(SimpleTestCase):
    def test_every_model_of_ours_has_a_japanese_verbose_name(self) -> None:
        unnamed = [
            model._meta.label_lower
            for model in apps.get_models()
            if model._meta.app_label in OUR_APPS and str(model._meta.verbose_name).isascii()
        ]
        self.assertEqual(unnamed, [], "add a Japanese verbose_name to these models")
