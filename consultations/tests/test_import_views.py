"""The upload page: preview, confirm, cancel, refusals and who may use it."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from consultations.models import Consultation, ImportBatch
from consultations.tests.import_files import csv_bytes, xlsx_bytes
from people.models import Person
from tsunagu.test import BaseTestCase

UPLOAD = reverse("consultation_import")


def upload(content: bytes, name: str = "相談記録.csv") -> dict[str, object]:
    return {"file": SimpleUploadedFile(name, content), "encoding": ""}


class ImportPageTest(BaseTestCase):
    def preview(self, content: bytes, name: str = "相談記録.csv") -> ImportBatch:
        response = self.client.post(UPLOAD, upload(content, name))
        batch = ImportBatch.objects.get()
        self.assertRedirects(response, reverse("consultation_import_detail", args=[batch.pk]))
        return batch

    def test_upload_preview_then_confirm(self) -> None:
        Person.objects.create(
            organisation=self.window,
            family_name="山田",
            given_name="健太",
            family_name_kana="ヤマダ",
            given_name_kana="ケンタ",
            birth_date=date(1990, 4, 2),
        )
        self.login(self.soudan)
        page = self.client.get(UPLOAD)
        self.assertContains(page, "相談記録の取込（Excel・CSV）")
        batch = self.preview(csv_bytes())
        self.assertEqual(batch.status, ImportBatch.Status.PREVIEWED)
        self.assertEqual(Consultation.objects.count(), 0)
        detail = self.client.get(reverse("consultation_import_detail", args=[batch.pk]))
        self.assertContains(detail, "取込の内容を確認してください（相談記録.csv）")
        self.assertContains(detail, "まだ何も取り込んでいません")
        self.assertContains(detail, "<dd>4件（4行）</dd>", html=True)
        self.assertContains(detail, "<dd>2人（うち氏名不明 1人）</dd>", html=True)
        self.assertContains(detail, '<th scope="col">電話</th>', html=True)
        self.assertContains(detail, "登録済みの人と同じ人として照合（1人）")
        self.assertContains(detail, "山田 健太・1990-04-02生")
        self.assertContains(
            detail, "つなぐ地域若者サポートステーション（地域若者サポートステーション）"
        )
        confirmed = self.client.post(
            reverse("consultation_import_confirm", args=[batch.pk]), follow=True
        )
        self.assertContains(confirmed, "取り込みました（相談記録.csv）")
        self.assertEqual(Consultation.objects.filter(organisation=self.window).count(), 4)
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportBatch.Status.IMPORTED)
        self.assertIsNone(batch.content)
        again = self.client.post(
            reverse("consultation_import_confirm", args=[batch.pk]), follow=True
        )
        self.assertContains(again, "すでに確定または取消されています")
        self.assertEqual(Consultation.objects.count(), 4)

    def test_the_same_file_again_is_refused_on_the_page(self) -> None:
        self.login(self.soudan)
        batch = self.preview(csv_bytes())
        self.client.post(reverse("consultation_import_confirm", args=[batch.pk]))
        response = self.client.post(UPLOAD, upload(csv_bytes(), "別名.csv"))
        self.assertContains(response, "同じファイルを2回取り込むことはできません", status_code=400)

    def test_xlsx_upload(self) -> None:
        self.login(self.soudan)
        batch = self.preview(xlsx_bytes(), "台帳.xlsx")
        self.assertEqual(batch.summary["file_format"], "xlsx")
        self.assertEqual(batch.summary["consultations"], 4)

    def test_bad_rows_are_listed_and_nothing_kept(self) -> None:
        self.login(self.soudan)
        rows = [
            ["令和0年1月1日", "来館", "", "", "", "", "", "", "", "", "情報提供のみ", "", "", ""]
        ]
        response = self.client.post(UPLOAD, upload(csv_bytes(rows)))
        self.assertContains(
            response, "取り込めない行が2件あります。何も取り込んでいません。", status_code=400
        )
        self.assertContains(response, "<td>2行目</td>", html=True, status_code=400)
        self.assertContains(response, "0年という年はありません", status_code=400)
        self.assertContains(response, "もしかして「来所」ですか。", status_code=400)
        self.assertEqual(ImportBatch.objects.count(), 0)

    @override_settings(CONSULTATION_IMPORT_MAX_BYTES=100)
    def test_too_large_upload(self) -> None:
        self.login(self.soudan)
        response = self.client.post(UPLOAD, upload(csv_bytes()))
        self.assertContains(response, "ファイルが大きすぎます", status_code=400)

    def test_unknown_encoding_on_the_page(self) -> None:
        self.login(self.soudan)
        response = self.client.post(UPLOAD, upload(csv_bytes(encoding="euc-jp")))
        self.assertContains(response, "文字コードを判定できませんでした", status_code=400)

    def test_cancel(self) -> None:
        self.login(self.soudan)
        batch = self.preview(csv_bytes())
        response = self.client.post(
            reverse("consultation_import_cancel", args=[batch.pk]), follow=True
        )
        self.assertContains(response, "取込を取り消しました")
        batch.refresh_from_db()
        self.assertEqual(batch.status, ImportBatch.Status.CANCELLED)
        self.assertIsNone(batch.content)
        self.assertEqual(Consultation.objects.count(), 0)


class ImportPermissionTest(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.soudan)
        self.client.post(UPLOAD, upload(csv_bytes()))
        self.batch = ImportBatch.objects.get()
        self.detail = reverse("consultation_import_detail", args=[self.batch.pk])
        self.confirm = reverse("consultation_import_confirm", args=[self.batch.pk])
        self.client.logout()

    def test_upload_page_by_persona(self) -> None:
        expected = {
            "soudan": 200,
            "douryou": 200,
            "minato": 200,
            "houkatsu": 200,
            "toukei": 403,
            "kansa": 403,
            "admin": 403,
        }
        staff = self.world.staff
        expected |= {"ibasho": 403, "supporter": 403, "centre": 200, "chousei": 200}
        for username, status in expected.items():
            with self.subTest(username):
                self.client.force_login(staff[username])
                self.assertEqual(self.client.get(UPLOAD).status_code, status)

    def test_batch_by_persona(self) -> None:
        expected = {"soudan": 200, "douryou": 404, "minato": 404, "houkatsu": 404, "toukei": 403}
        for username, status in expected.items():
            with self.subTest(username):
                self.client.force_login(self.world.staff[username])
                self.assertEqual(self.client.get(self.detail).status_code, status)

    def test_other_municipality_cannot_confirm_into_another_organisation(self) -> None:
        self.login(self.minato)
        self.assertEqual(self.client.post(self.confirm).status_code, 404)
        self.assertEqual(Consultation.objects.count(), 0)

    def test_statistics_clerk_may_not_upload(self) -> None:
        self.login(self.toukei)
        response = self.client.post(UPLOAD, upload(csv_bytes()))
        self.assertEqual(response.status_code, 403)
        self.assertEqual(ImportBatch.objects.count(), 1)

    def test_other_municipality_imports_into_its_own_organisation(self) -> None:
        self.login(self.minato)
        self.client.post(UPLOAD, upload(csv_bytes()))
        batch = ImportBatch.objects.get(uploaded_by=self.minato)
        self.assertEqual(batch.organisation, self.minato_window)
        self.client.post(reverse("consultation_import_confirm", args=[batch.pk]))
        self.assertEqual(Consultation.objects.filter(organisation=self.minato_window).count(), 4)
        self.assertEqual(Consultation.objects.filter(organisation=self.window).count(), 0)

    def test_anonymous_is_sent_to_login(self) -> None:
        response = self.client.get(UPLOAD)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get(self.detail).status_code, 302)
