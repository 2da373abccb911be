"""Every field of every audited kind of record reads in Japanese on the audit log
(audit/labels.py)."""

import re

from django.apps import apps
from django.test import SimpleTestCase

from audit.labels import RECORD_KIND_APPS, field_label

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


class FieldLabelTests(SimpleTestCase):
    def test_every_field_and_relation_of_every_audited_model_has_a_japanese_name(self) -> None:
        unnamed = [
            f"{model._meta.label_lower}.{field.name}"
            for app in RECORD_KIND_APPS
            if apps.is_installed(app)
            for model in apps.get_app_config(app).get_models()
            for field in model._meta.get_fields()
            if not JAPANESE.search(field_label(model._meta.label_lower, field.name))
        ]
        self.assertEqual(unnamed, [])

    def test_a_relation_without_a_name_of_its_own_is_named_by_its_kind(self) -> None:
        self.assertEqual(field_label("cases.case", "activities"), "支援経過")
        self.assertEqual(field_label("supporters.dispatch", "report"), "派遣の報告")
        self.assertEqual(field_label("people.personphone", "person"), "本人・家族")

    def test_the_parts_a_case_page_reads_and_the_common_columns_are_named(self) -> None:
        self.assertEqual(field_label("cases.case", "assessment"), "アセスメント")
        self.assertEqual(field_label("cases.case", "plan"), "支援プラン")
        self.assertEqual(field_label("people.person", "version"), "版")
        self.assertEqual(field_label("cases.case", "no_such_field"), "no_such_field")
