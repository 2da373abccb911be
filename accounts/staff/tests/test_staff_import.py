"""Staff from a CSV or xlsx: preview, all or nothing, each problem at its row and column."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from openpyxl import Workbook

from accounts.models import User
from accounts.roles import Role
from accounts.staff.forms import PREVIEW_EXPIRED
from audit.models import AuditEvent
from tsunagu.test import BaseTestCase

HEADER = "ユーザー名,氏名,役割"
FIVE = [
    "tanaka,田中 一,相談支援員",
    "suzuki,鈴木 二,アウトリーチ支援員・相談支援員",
    "sato,佐藤 三,多機関協働コーディネーター",
    "ito,伊藤 四,統計担当",
    "kato,加藤 五,管理者、相談支援員",
]


def csv_file(lines: list[str], encoding: str = "utf-8") -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_file(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


class StaffImportTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.admin)

    def upload(self, content: bytes, name: str = "staff.csv", encoding: str = "") -> HttpResponse:
        return self.client.post(
            "/staff/import/",
            {"file": SimpleUploadedFile(name, content), "encoding": encoding},
        )

    def confirm(self, preview: HttpResponse) -> HttpResponse:
        return self.client.post("/staff/import/confirm/", {"preview": preview.context["preview"]})

    def problems(self, response: HttpResponse) -> list[tuple[int, str, str]]:
        return [(p.line, p.column, p.message) for p in response.context["problems"]]

    def test_five_staff_from_utf8_are_previewed_then_created(self) -> None:
        before = User.objects.count()
        preview = self.upload(csv_file([HEADER, *FIVE]))
        self.assertContains(preview, "UTF-8 として読みました")
        self.assertContains(preview, "5 人を追加する")
        self.assertContains(preview, "アウトリーチ支援員・相談支援員")
        self.assertEqual(User.objects.count(), before)  # the preview creates nothing
        response = self.confirm(preview)
        self.assertRedirects(response, "/staff/?state=active")
        created = User.objects.filter(username__in=["tanaka", "suzuki", "sato", "ito", "kato"])
        self.assertEqual(created.count(), 5)
        kato = User.objects.prefetch_related("staff_roles").get(username="kato")
        self.assertEqual(kato.role_codes, {Role.ADMINISTRATOR, Role.CONSULTATION_WORKER})
        self.assertEqual({user.organisation_id for user in created}, {self.window.pk})
        self.assertFalse(any(user.has_usable_password() for user in created))
        rows = self.audit_rows(action=AuditEvent.Action.CREATE, object_type="accounts.user")
        self.assertEqual(len(rows), 5)

    def test_cp932_is_detected_and_named(self) -> None:
        preview = self.upload(csv_file([HEADER, *FIVE], "cp932"))
        self.assertContains(preview, "Shift_JIS（CP932） として読みました")
        self.confirm(preview)
        self.assertEqual(User.objects.get(username="tanaka").display_name, "田中 一")

    def test_an_xlsx_is_read_alike(self) -> None:
        rows = [line.split(",") for line in [HEADER, *FIVE]]
        preview = self.upload(xlsx_file(rows), name="staff.xlsx")
        self.assertContains(preview, "Excel（.xlsx） として読みました")
        self.assertEqual(self.problems(preview), [])
        self.confirm(preview)
        self.assertTrue(User.objects.filter(username="kato").exists())

    def test_a_missing_column_refuses_the_file(self) -> None:
        response = self.upload(csv_file(["ユーザー名,氏名", "tanaka,田中 一"]))
        self.assertContains(response, "1行目（見出し行）に「役割」の列がありません。")
        self.assertFalse(User.objects.filter(username="tanaka").exists())

    def test_undecodable_bytes_are_refused_naming_the_line(self) -> None:
        # A UTF-8 file with one line saved in another encoding: neither UTF-8 nor CP932 reads it.
        content = csv_file([HEADER, "tanaka,田中 一,相談支援員"]) + b"ito,\xff\xfe\x80,x\r\n"
        response = self.upload(content)
        self.assertContains(response, "ファイルの文字コードを判定できませんでした")
        self.assertContains(response, "3行目に読めない文字があります")

    def test_cp932_chosen_for_a_utf8_file_is_refused(self) -> None:
        response = self.upload(csv_file([HEADER, "tanaka,田中 一,相談支援員"]), encoding="cp932")
        self.assertContains(
            response, "選んだ文字コード（Shift_JIS（CP932））ではファイルを読めません"
        )

    def test_every_row_problem_is_shown_at_its_row_and_column_and_nothing_is_created(
        self,
    ) -> None:
        preview = self.upload(
            csv_file(
                [
                    HEADER,
                    "tanaka,田中 一,相談支援員",
                    "tanaka,田中 別人,相談支援員",
                    "soudan,相談 別人,相談支援員",
                    "yamada,,所長",
                    ",名無し,相談支援員",
                ]
            )
        )
        problems = self.problems(preview)
        self.assertIn(
            (3, "ユーザー名", "ユーザー名「tanaka」は2行目にもあります。1人1行にしてください。"),
            problems,
        )
        self.assertIn(
            (
                4,
                "ユーザー名",
                "ユーザー名「soudan」はすでに使われています。別のユーザー名にしてください。",
            ),
            problems,
        )
        self.assertIn((5, "氏名", "氏名を入力してください。"), problems)
        self.assertTrue(
            any(p[:2] == (5, "役割") and "「所長」はありません" in p[2] for p in problems)
        )
        self.assertIn((6, "ユーザー名", "ユーザー名を入力してください。"), problems)
        self.assertContains(preview, "誰も追加していません")
        self.assertEqual(preview.context["preview"], "")
        self.assertFalse(User.objects.filter(username__in=["tanaka", "yamada"]).exists())

    def test_a_username_taken_after_the_preview_refuses_the_whole_file(self) -> None:
        preview = self.upload(csv_file([HEADER, *FIVE]))
        User.objects.create(username="Sato", display_name="先客", organisation=self.window)
        response = self.confirm(preview)
        self.assertEqual(
            self.problems(response),
            [
                (
                    4,
                    "ユーザー名",
                    "ユーザー名「sato」はすでに使われています。別のユーザー名にしてください。",
                )
            ],
        )
        self.assertFalse(User.objects.filter(username="tanaka").exists())

    def test_a_tampered_preview_is_refused(self) -> None:
        preview = self.upload(csv_file([HEADER, *FIVE]))
        response = self.client.post(
            "/staff/import/confirm/", {"preview": preview.context["preview"] + "x"}, follow=True
        )
        self.assertContains(response, PREVIEW_EXPIRED)
        self.assertFalse(User.objects.filter(username="tanaka").exists())

    def test_a_worker_gets_403(self) -> None:
        self.login(self.soudan)
        self.assertEqual(self.client.get("/staff/import/").status_code, 403)
        self.assertEqual(self.client.post("/staff/import/confirm/").status_code, 403)
