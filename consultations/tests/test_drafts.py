"""Drafts: the intake form saves itself as the worker types, reopens, and goes when saved."""

from consultations.models import Consultation, ConsultationDraft
from consultations.tests.helpers import intake_data
from tsunagu.test import BaseTestCase


class DraftTests(BaseTestCase):
    def autosave(self, **overrides: object) -> ConsultationDraft:
        response = self.client.post(
            "/consultations/drafts/save/",
            intake_data(**overrides),
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, "下書きを保存しました")
        return ConsultationDraft.objects.get(pk=response.context["draft"].pk)

    def test_typing_saves_a_draft_of_the_worker_with_the_time(self) -> None:
        self.login(self.soudan)
        response = self.client.post("/consultations/drafts/save/", intake_data())
        draft = ConsultationDraft.objects.get()
        self.assertEqual(draft.user, self.soudan)
        self.assertEqual(draft.data["consulter_name"], ["山田 和子"])
        self.assertEqual(draft.data["categories"], ["hikikomori", "family"])
        self.assertNotIn("csrfmiddlewaretoken", draft.data)
        self.assertRegex(response.content.decode(), r"下書きを保存しました \d\d:\d\d")
        # The form learns the draft's id, so the next save updates the same draft.
        self.assertContains(response, f'id="draft-id" value="{draft.pk}" hx-swap-oob="true"')

    def test_later_saves_update_the_same_draft(self) -> None:
        self.login(self.soudan)
        draft = self.autosave(content="最初のメモ")
        self.autosave(content="続きを書いた", draft=draft.pk)
        self.assertEqual(ConsultationDraft.objects.count(), 1)
        draft.refresh_from_db()
        self.assertEqual(draft.data["content"], ["続きを書いた"])

    def test_only_the_forms_fields_are_kept(self) -> None:
        self.login(self.soudan)
        draft = self.autosave(unexpected="x" * 10, person_q="やまだ")
        self.assertNotIn("unexpected", draft.data)
        self.assertEqual(draft.data["person_q"], ["やまだ"])

    def test_a_draft_reopens_as_it_was_left_without_error_messages(self) -> None:
        self.login(self.soudan)
        draft = self.autosave(main_concern="", disposition="", content="途中まで")
        response = self.client.get(f"/consultations/new/?draft={draft.pk}")
        self.assertContains(response, "保存した下書きを開いています")
        self.assertNotContains(response, "まだ保存していません")
        form = response.context["form"]
        self.assertEqual(form["content"].value(), "途中まで")
        self.assertEqual(form["consulter_name"].value(), "山田 和子")
        self.assertEqual(form["categories"].value(), ["hikikomori", "family"])
        self.assertContains(response, f'id="draft-id" value="{draft.pk}"')

    def test_saving_the_consultation_deletes_the_draft(self) -> None:
        self.login(self.soudan)
        draft = self.autosave()
        self.client.post("/consultations/new/", intake_data(draft=draft.pk))
        self.assertEqual(Consultation.objects.count(), 1)
        self.assertFalse(ConsultationDraft.objects.filter(pk=draft.pk).exists())

    def test_a_refused_save_keeps_the_draft(self) -> None:
        self.login(self.soudan)
        draft = self.autosave()
        self.client.post("/consultations/new/", intake_data(draft=draft.pk, disposition=""))
        self.assertTrue(ConsultationDraft.objects.filter(pk=draft.pk).exists())

    def test_another_users_draft_is_404_and_never_written_to(self) -> None:
        self.login(self.douryou)
        draft = self.autosave(content="同僚のメモ")
        self.login(self.soudan)
        self.assertEqual(self.client.get(f"/consultations/new/?draft={draft.pk}").status_code, 404)
        self.assertEqual(self.client.get("/consultations/new/?draft=abc").status_code, 404)
        response = self.client.post(
            "/consultations/drafts/save/", intake_data(draft=draft.pk, content="上書き")
        )
        self.assertEqual(response.status_code, 404)
        draft.refresh_from_db()
        self.assertEqual(draft.data["content"], ["同僚のメモ"])

    def test_saving_with_another_users_draft_id_does_not_delete_it(self) -> None:
        self.login(self.douryou)
        draft = self.autosave()
        self.login(self.soudan)
        self.client.post("/consultations/new/", intake_data(draft=draft.pk))
        self.assertEqual(Consultation.objects.count(), 1)
        self.assertTrue(ConsultationDraft.objects.filter(pk=draft.pk).exists())

    def test_the_day_view_lists_the_workers_own_drafts(self) -> None:
        self.login(self.douryou)
        self.autosave(family_name="佐藤", given_name="翔")
        self.login(self.soudan)
        draft = self.autosave()
        response = self.client.get("/consultations/")
        self.assertContains(response, f"/consultations/new/?draft={draft.pk}")
        self.assertContains(response, "山田 健太")
        self.assertNotContains(response, "佐藤 翔")

    def test_autosave_only_accepts_post(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get("/consultations/drafts/save/").status_code, 405)

    def test_a_reopened_draft_shows_the_person_chosen_and_the_search_text(self) -> None:
        from people.tests.helpers import make_person

        person = make_person(self.window, "佐藤", "翔", "サトウ", "ショウ")
        self.login(self.soudan)
        draft = self.autosave(person_mode="existing", person=person.pk, person_q="さとう")
        response = self.client.get(f"/consultations/new/?draft={draft.pk}")
        self.assertContains(response, f'value="{person.pk}" checked')
        self.assertContains(response, 'value="さとう"')
