"""The date-time field: 日付 and 時刻 as two labelled controls, the value the field always had."""

from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from cases.models import Activity
from cases.tests.helpers import open_case
from consultations.forms import ConsultationForm
from tsunagu.test import BaseTestCase
from tsunagu.widgets import split_datetime_field


class VisitForm(forms.Form):
    at = split_datetime_field("訪問日時")


class SplitControlTests(BaseTestCase):
    def test_the_field_renders_a_date_then_a_time_each_with_its_label(self) -> None:
        html = str(VisitForm(initial={"at": datetime(2025, 5, 1, 18, 5)})["at"])

        self.assertIn('<label for="id_at_0">日付</label>', html)
        self.assertIn(
            '<input type="date" name="at_0" value="2025-05-01" aria-label="訪問日時の日付"', html
        )
        self.assertIn('<label for="id_at_1">時刻</label>', html)
        # One box for a 24-hour time: 18:05, never 午後6:05, digits on a phone's keyboard.
        self.assertIn('<input type="text" name="at_1" value="18:05" inputmode="numeric"', html)
        self.assertNotIn("datetime-local", html)

    def test_the_two_halves_give_the_same_value_as_the_one_value_post(self) -> None:
        split = VisitForm({"at_0": "2025-05-01", "at_1": "18:05"})
        single = VisitForm({"at": "2025-05-01T18:05"})

        self.assertTrue(split.is_valid() and single.is_valid())
        expected = timezone.make_aware(datetime(2025, 5, 1, 18, 5))
        self.assertEqual(split.cleaned_data["at"], expected)
        self.assertEqual(single.cleaned_data["at"], expected)

    def test_a_time_is_read_as_a_worker_types_it(self) -> None:
        expected = timezone.make_aware(datetime(2025, 5, 1, 18, 5))
        for typed in ("18:05", "1805", "１８：０５", "18時05分", " 18:05 "):
            with self.subTest(typed=typed):
                form = VisitForm({"at_0": "2025-05-01", "at_1": typed})
                self.assertTrue(form.is_valid())
                self.assertEqual(form.cleaned_data["at"], expected)
        self.assertFalse(VisitForm({"at_0": "2025-05-01", "at_1": "25:00"}).is_valid())
        self.assertFalse(VisitForm({"at_0": "2025-05-01", "at_1": "夕方"}).is_valid())

    def test_a_missing_time_is_an_error_not_midnight_and_the_date_stays(self) -> None:
        form = VisitForm({"at_0": "2025-05-01", "at_1": ""})

        self.assertFalse(form.is_valid())
        self.assertIn("at", form.errors)
        self.assertIn('value="2025-05-01"', str(form["at"]))

    def test_an_empty_required_field_is_refused_as_before(self) -> None:
        form = VisitForm({"at_0": "", "at_1": ""})

        self.assertFalse(form.is_valid())
        self.assertEqual(form.errors["at"], [forms.Field.default_error_messages["required"]])

    def test_a_draft_keeps_the_received_time_it_was_saved_with(self) -> None:
        initial = ConsultationForm.initial_from_draft(
            {"received_at_0": ["2025-05-01"], "received_at_1": ["09:40"], "content": ["相談"]}
        )

        self.assertEqual(initial["received_at"], "2025-05-01T09:40")


class ActivityPageTests(BaseTestCase):
    def test_the_activity_form_shows_the_two_controls_and_saves_the_split_post(self) -> None:
        case = open_case(self.soudan, opened_days_ago=30)
        url = f"/cases/{case.pk}/activities/new/"
        self.login(self.soudan)

        page = self.client.get(url)
        self.assertContains(page, 'aria-label="日時の日付"')
        self.assertContains(page, 'aria-label="日時の時刻"')

        moment = timezone.localtime() - timedelta(hours=2)
        response = self.client.post(
            url,
            {
                "occurred_at_0": f"{moment:%Y-%m-%d}",
                "occurred_at_1": f"{moment:%H:%M}",
                "kind": "phone",
                "content": "母から電話。本人は元気とのこと。",
            },
        )

        self.assertRedirects(response, f"/cases/{case.pk}/")
        activity = Activity.objects.get(case=case)
        self.assertEqual(
            timezone.localtime(activity.occurred_at), moment.replace(second=0, microsecond=0)
        )
        self.assertContains(
            self.client.get(f"/cases/{case.pk}/"), "母から電話。本人は元気とのこと。"
        )
