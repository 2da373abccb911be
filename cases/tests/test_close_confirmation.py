"""Closing a case asks for confirmation first; the stage history shows the reason in Japanese."""

import re

from cases.models import Case, Stage, StageChange
from cases.services import CLOSURE_FOLLOW_UP_PAST
from cases.tests.helpers import days_ago, open_case
from tsunagu.templatetags.japanese_dates import wareki
from tsunagu.test import BaseTestCase


def described_ids_missing(html: str) -> set[str]:
    """The ids an aria-describedby names that the page does not have (a hint or error never
    rendered leaves the screen reader with nothing to read)."""
    named = {
        name for value in re.findall(r'aria-describedby="([^"]*)"', html) for name in value.split()
    }
    present = set(re.findall(r'\sid="([^"]*)"', html))
    return named - present


class CloseConfirmationTests(BaseTestCase):
    def setUp(self) -> None:
        self.case = open_case(self.soudan)
        self.url = f"/cases/{self.case.pk}/close/"
        self.data = {
            "reason": "other",
            "note": "本人が県外の親族宅へ",
            "follow_up_on": days_ago(-90).isoformat(),
            "version": self.case.version,
        }

    def test_the_first_post_shows_what_will_happen_and_changes_nothing(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, self.data)
        self.assertTemplateUsed(response, "confirm.html")
        for text in (
            "ケースを終結します",
            "まだ何も変わっていません",
            "高橋 健太さんの支援",
            "その他",
            "本人が県外の親族宅へ",
            wareki(days_ago(-90)),
            "記録はすべて残ります",
            "再開できます",
            f'href="/cases/{self.case.pk}/#close">戻る</a>',
            '<button type="submit">終結する</button>',
            '<input type="hidden" name="confirmed" value="yes">',
            '<input type="hidden" name="reason" value="other">',
        ):
            self.assertContains(response, text)
        self.assertNotContains(response, "<script>")
        self.assertEqual(Case.objects.get(pk=self.case.pk).stage, Stage.INTAKE)
        self.assertFalse(StageChange.objects.filter(case=self.case, to_stage=Stage.CLOSED))

    def test_the_confirmed_post_closes_and_the_history_shows_the_label_and_memo(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, {**self.data, "confirmed": "yes"}, follow=True)
        self.assertContains(response, "ケースを終結しました")
        closed = Case.objects.get(pk=self.case.pk)
        self.assertEqual((closed.stage, closed.closure_reason), (Stage.CLOSED, "other"))
        self.assertContains(response, "受付 → 終結（相談 花子） その他：本人が県外の親族宅へ")
        self.assertContains(response, "（その他、")
        self.assertNotContains(response, "（other")
        self.assertNotContains(response, " other")

    def test_a_closure_recorded_with_the_code_is_shown_with_its_label(self) -> None:
        """Closures saved before the label was stored kept the reason's code as their memo."""
        self.client.force_login(self.soudan)
        self.client.post(self.url, {**self.data, "confirmed": "yes"})
        StageChange.objects.filter(case=self.case, to_stage=Stage.CLOSED).update(note="moved")
        response = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(response, "受付 → 終結（相談 花子） 転居")
        self.assertNotContains(response, "moved")

    def test_a_refusal_is_shown_before_the_confirm_step(self) -> None:
        self.login(self.soudan)
        response = self.client.post(
            self.url, {**self.data, "follow_up_on": days_ago(1).isoformat()}
        )
        self.assertTemplateUsed(response, "cases/case_detail.html")
        self.assertContains(response, CLOSURE_FOLLOW_UP_PAST)
        self.assertContains(response, "終結していません。")
        # The summary links to the field, where the same message stands, named by the field.
        self.assertContains(
            response,
            f'<a href="#id_closure_follow_up_on">終結後の確認日：{CLOSURE_FOLLOW_UP_PAST}</a>',
        )
        html = response.content.decode()
        self.assertIn(
            'aria-describedby="id_closure_follow_up_on_helptext id_closure_follow_up_on_error"',
            html,
        )
        self.assertEqual(described_ids_missing(html), set())

    def test_a_missing_reason_is_shown_at_its_field_and_in_the_summary(self) -> None:
        self.login(self.soudan)
        response = self.client.post(self.url, {**self.data, "reason": ""})
        self.assertContains(
            response, '<a href="#id_closure_reason">終結の理由：終結の理由を選んでください。</a>'
        )
        self.assertContains(
            response,
            '<span class="field-error" id="id_closure_reason_error" role="alert">'
            "終結の理由を選んでください。</span>",
        )
        self.assertEqual(described_ids_missing(response.content.decode()), set())

    def test_the_case_page_names_only_hints_and_errors_it_shows(self) -> None:
        self.login(self.soudan)
        response = self.client.get(f"/cases/{self.case.pk}/")
        self.assertContains(
            response, '<label for="id_closure_note">終結の理由の詳しい内容・メモ</label>'
        )
        self.assertEqual(described_ids_missing(response.content.decode()), set())

    def test_others_cannot_reach_the_confirm_step(self) -> None:
        for user, status in ((self.minato, 404), (self.houkatsu, 404), (self.toukei, 403)):
            self.login(user)
            self.assertEqual(self.client.post(self.url, self.data).status_code, status, user)
        self.assertEqual(Case.objects.get(pk=self.case.pk).stage, Stage.INTAKE)
