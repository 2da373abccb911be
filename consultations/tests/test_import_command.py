"""The import, by command and service: what is created, and every refusal with its row."""

import tempfile
from datetime import date
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.test import override_settings

from audit.models import AuditEvent
from collaboration.models import Agency, Referral
from consultations.importing.reading import FileRefused
from consultations.importing.writing import OTHER_ORGANISATION, ImportRefused, import_file
from consultations.models import Consultation, ImportBatch
from consultations.tests.import_files import HEADER, ROWS, csv_bytes, xlsx_bytes
from people.models import DuplicateCandidate, Person
from tsunagu.test import BaseTestCase


class ImportTestCase(BaseTestCase):
    def run_import(self, content: bytes, name: str = "相談記録.csv", **options: object) -> str:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / name
            path.write_bytes(content)
            out, err = self._streams()
            call_command(
                "import_consultations", str(path), user="soudan", stdout=out, stderr=err, **options
            )
            return out.getvalue()

    def refused(self, content: bytes, name: str = "相談記録.csv", **options: object) -> list[str]:
        """The errors the command prints, one per line; asserts nothing was imported."""
        before = Consultation.objects.count(), Person.objects.count()
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / name
            path.write_bytes(content)
            out, err = self._streams()
            with self.assertRaises(CommandError) as raised:
                call_command(
                    "import_consultations",
                    str(path),
                    user="soudan",
                    stdout=out,
                    stderr=err,
                    **options,
                )
        self.assertEqual((Consultation.objects.count(), Person.objects.count()), before)
        return [*err.getvalue().splitlines(), str(raised.exception)]

    @staticmethod
    def _streams() -> tuple[object, object]:
        import io

        return io.StringIO(), io.StringIO()


class ImportCreatesRecordsTest(ImportTestCase):
    def test_csv_creates_persons_consultations_and_referral(self) -> None:
        output = self.run_import(csv_bytes())
        self.assertIn("相談: 4件", output)
        consultations = list(Consultation.objects.order_by("received_at"))
        self.assertEqual(len(consultations), 4)
        first, second, third, fourth = consultations
        self.assertEqual(first.organisation, self.window)
        self.assertEqual(first.received_at.date(), date(2024, 5, 1))
        self.assertEqual((first.channel, first.consulter_type), ("phone", "family"))
        self.assertEqual(first.consulter_relationship, "mother")
        self.assertEqual(first.categories, ["hikikomori", "job_search"])
        self.assertEqual(first.main_concern, "hikikomori")
        self.assertEqual(first.age_at_contact, 34)
        self.assertEqual(first.disposition, "continue")
        self.assertEqual(first.content, "初回の電話")
        self.assertEqual(first.taken_by, self.soudan)
        # 来庁 → 来所; the same 本人ID is the same person.
        self.assertEqual(second.channel, "visit")
        self.assertEqual(second.person, first.person)
        self.assertEqual(first.person.full_name, "山田 健太")
        self.assertEqual(first.person.birth_date, date(1990, 4, 2))
        self.assertEqual(first.person.sex, "male")
        self.assertTrue(first.person.name_key)
        self.assertIn(self.soudan, first.person.team.all())
        # つなぐ: a referral to a new directory entry of the right category.
        referral = second.referral
        assert referral is not None
        self.assertEqual(referral.agency.name, "つなぐ地域若者サポートステーション")
        self.assertEqual(referral.agency.category, "youth_support_station")
        self.assertEqual(referral.referred_on, date(2024, 5, 20))
        self.assertEqual(referral.state, Referral.State.ENDED)
        self.assertEqual(referral.events.count(), 1)
        # A blank 本人ID: an unnamed person of its own, with the age given.
        self.assertEqual(third.channel, "phone")
        self.assertEqual(third.consulter_type, "resident")
        self.assertEqual(third.person.full_name, "")
        self.assertEqual(third.person.alias, "氏名不明（取込・4行目）")
        self.assertEqual(third.person.estimated_age, 40)
        self.assertEqual(third.age_at_contact, 40)
        self.assertEqual(third.categories, ["dv_abuse"])
        # 和暦 birth date; blank 相談内容 → その他.
        self.assertEqual(fourth.person.birth_date, date(1998, 3, 3))
        self.assertEqual(fourth.consulter_relationship, "father")
        self.assertEqual(fourth.main_concern, "other")
        self.assertEqual(Person.objects.filter(organisation=self.window).count(), 3)

    def test_audit_rows_name_the_created_ids_per_kind(self) -> None:
        self.run_import(csv_bytes())
        batch = ImportBatch.objects.get()
        self.assertEqual(batch.status, ImportBatch.Status.IMPORTED)
        self.assertIsNone(batch.content)
        rows = self.audit_rows(object_type="consultations.consultation")
        self.assertEqual(rows[-1].detail["import_batch"], batch.pk)
        self.assertEqual(
            sorted(rows[-1].detail["ids"]),
            sorted(Consultation.objects.values_list("pk", flat=True)),
        )
        self.assertTrue(self.audit_rows(object_type="people.person", action="create"))
        self.assertEqual(batch.summary["created"]["consultations.consultation"], 4)

    def test_each_encoding_and_xlsx_give_the_same_records(self) -> None:
        files = {
            "utf8.csv": csv_bytes(encoding="utf-8"),
            "bom.csv": csv_bytes(encoding="utf-8-sig"),
            "sjis.csv": csv_bytes(encoding="cp932"),
            "book.xlsx": xlsx_bytes(),
        }
        for name, content in files.items():
            with self.subTest(name):
                result = import_file(
                    content=content,
                    file_name=name,
                    organisation=self.minato_window,
                    user=self.minato,
                    dry_run=True,
                )
                summary = result.summary
                self.assertEqual(summary["consultations"], 4)
                self.assertEqual(summary["persons_new"], 3)
                self.assertEqual(summary["by_channel"], {"電話": 2, "来所": 1, "訪問": 1})
                self.assertEqual(
                    summary["by_method"], {"電話": 2, "メール": 0, "来所": 1, "訪問等": 2 - 1}
                )
        self.assertEqual(Consultation.objects.count(), 0)

    def test_encoding_is_reported(self) -> None:
        result = import_file(
            content=csv_bytes(encoding="cp932"),
            file_name="a.csv",
            organisation=self.window,
            user=self.soudan,
            dry_run=True,
        )
        self.assertEqual(result.plan.sheet.encoding, "cp932")

    def test_xlsx_dates_as_date_cells(self) -> None:
        rows = [
            [
                date(2024, 5, 1),
                "電話",
                "本人",
                "",
                "",
                "",
                "",
                30,
                "",
                "",
                "情報提供のみ",
                "",
                "",
                "",
            ]
        ]
        self.run_import(xlsx_bytes(rows), name="book.xlsx")
        consultation = Consultation.objects.get()
        self.assertEqual(consultation.received_at.date(), date(2024, 5, 1))
        self.assertEqual(consultation.age_at_contact, 30)

    def test_dry_run_writes_nothing_and_tells_what_would_be_created(self) -> None:
        output = self.run_import(csv_bytes(), dry_run=True)
        self.assertIn("本人: 新規 3人（うち氏名不明 1人）", output)
        self.assertIn("つなぎ: 1件", output)
        self.assertIn("試行（--dry-run）のため、何も書き込んでいません。", output)
        self.assertEqual(Consultation.objects.count(), 0)
        self.assertEqual(ImportBatch.objects.count(), 0)
        self.assertFalse(Agency.objects.filter(name="つなぐ地域若者サポートステーション").exists())

    def test_unknown_columns_are_reported(self) -> None:
        header = [*HEADER, "担当者"]
        rows = [[*row, "佐藤"] for row in ROWS]
        output = self.run_import(csv_bytes(rows, header=header), dry_run=True)
        self.assertIn("使わない列（無視しました）: 担当者", output)

    def test_columns_in_any_order(self) -> None:
        header = ["対応", "相談方法", "相談日"]
        self.run_import(csv_bytes([["情報提供のみ", "メール", "2024-04-01"]], header=header))
        self.assertEqual(Consultation.objects.get().channel, "email")


class ReimportTest(ImportTestCase):
    def test_the_same_file_is_refused_the_second_time(self) -> None:
        content = csv_bytes()
        self.run_import(content)
        errors = self.refused(content)
        self.assertIn("取り込み済みです", errors[-1])
        self.assertIn("同じファイルを2回取り込むことはできません", errors[-1])
        self.assertEqual(Consultation.objects.count(), 4)

    def test_another_organisation_may_import_the_same_file(self) -> None:
        content = csv_bytes()
        self.run_import(content)
        import_file(
            content=content, file_name="a.csv", organisation=self.minato_window, user=self.minato
        )
        self.assertEqual(Consultation.objects.filter(organisation=self.minato_window).count(), 4)


class DuplicateMatchingTest(ImportTestCase):
    def test_a_likely_match_is_linked_and_a_possible_one_queued(self) -> None:
        kept = Person.objects.create(
            organisation=self.window,
            family_name="山田",
            given_name="健太",
            family_name_kana="ヤマダ",
            given_name_kana="ケンタ",
            birth_date=date(1990, 4, 2),
        )
        namesake = Person.objects.create(
            organisation=self.window, family_name="鈴木", given_name="花子"
        )
        other_office = Person.objects.create(
            organisation=self.minato_window, family_name="鈴木", given_name="花子"
        )
        output = self.run_import(csv_bytes())
        self.assertIn("登録済みの人と照合 1人", output)
        self.assertIn("重複の可能性あり（確認待ちに登録） 1人", output)
        yamada = Consultation.objects.filter(person=kept)
        self.assertEqual(yamada.count(), 2)
        hanako = Consultation.objects.get(received_at__date=date(2024, 7, 1)).person
        self.assertNotEqual(hanako, namesake)
        candidate = DuplicateCandidate.objects.get()
        self.assertEqual({candidate.first_id, candidate.second_id}, {namesake.pk, hanako.pk})
        self.assertFalse(
            DuplicateCandidate.objects.filter(first=other_office).exists()
            or DuplicateCandidate.objects.filter(second=other_office).exists()
        )

    def test_a_restricted_person_outside_the_team_is_not_linked(self) -> None:
        restricted = Person.objects.create(
            organisation=self.window,
            family_name="山田",
            given_name="健太",
            family_name_kana="ヤマダ",
            given_name_kana="ケンタ",
            birth_date=date(1990, 4, 2),
            is_restricted=True,
        )
        result = import_file(
            content=csv_bytes(), file_name="a.csv", organisation=self.window, user=self.soudan
        )
        self.assertEqual(Consultation.objects.filter(person=restricted).count(), 0)
        self.assertIn(f"制限対象者 #{restricted.pk}", str(result.summary["possible"]))

    def test_two_ids_of_one_person_in_the_file_are_queued(self) -> None:
        rows = [
            row(本人ID=file_id, 氏名="田中 一郎", フリガナ="タナカ イチロウ", 生年月日="1980-01-01")
            for file_id in ("X1", "X2")
        ]
        self.run_import(csv_bytes(rows))
        self.assertEqual(Person.objects.filter(family_name="田中").count(), 2)
        self.assertEqual(DuplicateCandidate.objects.count(), 1)


def row(**cells: str) -> list[str]:
    """One row of HEADER with the given cells (the rest blank but 相談日, 相談方法, 対応)."""
    values = {"相談日": "2024-05-01", "相談方法": "電話", "対応": "情報提供のみ", **cells}
    return [values.get(column, "") for column in HEADER]


class BadInputTest(ImportTestCase):
    def test_unknown_encoding(self) -> None:
        errors = self.refused(csv_bytes(encoding="euc-jp"))
        self.assertIn("文字コードを判定できませんでした", errors[-1])
        errors = self.refused(csv_bytes(encoding="utf-16"))
        self.assertIn("文字コードを判定できませんでした", errors[-1])

    def test_chosen_encoding_that_does_not_fit(self) -> None:
        errors = self.refused(csv_bytes(encoding="cp932"), encoding="utf-8")
        self.assertIn("選んだ文字コード（UTF-8）ではファイルを読めません", errors[-1])

    def test_header_without_consultation_date(self) -> None:
        header = [column for column in HEADER if column != "相談日"]
        rows = [row[1:] for row in ROWS]
        errors = self.refused(csv_bytes(rows, header=header))
        self.assertIn("1行目（見出し行）に「相談日」の列がありません", errors[-1])

    def test_bad_dates_each_listed_with_their_row(self) -> None:
        rows = [
            row(相談日="令和0年5月1日"),
            row(相談日="2024年2月30日"),
            row(相談日="R1.4.30"),
            row(相談日="2099-01-01"),
            row(相談日="きのう"),
            row(),
            row(相談日=""),
            row(生年月日="2025-01-01", 相談日="2024-01-01"),
        ]
        errors = self.refused(csv_bytes(rows))
        self.assertIn("2行目: 相談日「令和0年5月1日」: 0年という年はありません", errors[0])
        self.assertIn("3行目: 相談日「2024年2月30日」は存在しない日付です。", errors[1])
        self.assertIn("4行目: 相談日「R1.4.30」: 令和元年4月30日は存在しない日付です", errors[2])
        self.assertIn("5行目: 相談日（2099-01-01）が未来の日付です。", errors[3])
        self.assertIn("6行目: 相談日「きのう」を日付として読めません", errors[4])
        self.assertIn("8行目: 相談日が空です。", errors[5])
        self.assertIn("9行目: 生年月日（2025-01-01）が相談日より後です。", errors[6])
        self.assertEqual(errors[-1], "誤りが7件あります。何も取り込んでいません。")

    def test_wareki_and_slash_dates_are_read(self) -> None:
        rows = [
            row(相談日=text)
            for text in ("令和元年5月1日", "R1.5.1", "H31.4.30", "2019/5/1", "2019-05-01 0:00")
        ]
        self.run_import(csv_bytes(rows))
        days = sorted(c.received_at.date() for c in Consultation.objects.all())
        self.assertEqual(days, [date(2019, 4, 30), *[date(2019, 5, 1)] * 4])

    def test_unknown_channel_lists_the_known_ones(self) -> None:
        errors = self.refused(csv_bytes([row(), row(相談方法="来館"), row(相談方法="伝書鳩")]))
        self.assertTrue(errors[0].startswith("3行目: 相談方法「来館」はわかりません。"))
        self.assertIn("もしかして「来所」ですか。", errors[0])
        self.assertIn("使える値: 電話、メール、来所、訪問、SNS・チャット", errors[1])
        self.assertTrue(errors[1].startswith("4行目:"))

    def test_other_unknown_values(self) -> None:
        rows = [
            row(相談内容="宇宙"),
            row(対応="断った"),
            row(相談者="宇宙人"),
            row(対応="つなぐ"),
            row(対応="つなぐ", つなぎ先="どこか"),
            row(年齢="三十"),
            row(生年月日="1990-01-01", 年齢="20"),
        ]
        errors = self.refused(csv_bytes(rows))
        self.assertIn("2行目: 相談内容「宇宙」はわかりません", errors[0])
        self.assertIn("3行目: 対応「断った」はわかりません", errors[1])
        self.assertIn("4行目: 相談者「宇宙人」はわかりません", errors[2])
        self.assertIn(
            "5行目: 対応が「つなぐ」の行には、つなぎ先かつなぎ先種別を書いてください", errors[3]
        )
        self.assertIn("6行目: つなぎ先「どこか」は地域資源に登録されていません", errors[4])
        self.assertIn("7行目: 年齢「三十」は数字で書いてください", errors[5])
        self.assertIn(
            "8行目: 年齢（20歳）が生年月日から計算した相談日の年齢（34歳）と合いません", errors[6]
        )

    def test_one_id_with_two_names(self) -> None:
        rows = [row(本人ID="A", 氏名="山田 太郎"), row(本人ID="A", 氏名="山田 次郎")]
        errors = self.refused(csv_bytes(rows))
        self.assertIn("3行目: 本人ID「A」の氏名が2行目と違います", errors[0])

    @override_settings(CONSULTATION_IMPORT_MAX_BYTES=1000)
    def test_too_large_file_is_refused_before_reading(self) -> None:
        errors = self.refused(b"\xff" * 2000)
        self.assertIn("ファイルが大きすぎます", errors[-1])
        self.assertIn("上限は 0 MB", errors[-1])

    def test_two_hundred_megabytes_are_refused_by_default(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "big.csv"
            with path.open("wb") as big:
                big.truncate(200 * 1024 * 1024)  # sparse: nothing is written to the disk
            with self.assertRaises(CommandError) as raised:
                call_command("import_consultations", str(path), user="soudan")
        self.assertIn("ファイルが大きすぎます（200.0 MB。上限は 50 MB）", str(raised.exception))

    def test_xlsx_formula_and_merged_cells(self) -> None:
        rows = [list(ROWS[0]), list(ROWS[2])]
        rows[1][7] = "=20+20"
        errors = self.refused(xlsx_bytes(rows, merge="N2:N3"), name="book.xlsx")
        self.assertIn("2行目: N2:N3 が結合されたセルです。結合を解除してください。", errors[0])
        self.assertIn("3行目: H3 に数式（=20+20）が入っています。", errors[1])

    def test_old_xls_and_broken_xlsx(self) -> None:
        self.assertIn(".xls", self.refused(b"\xd0\xcf\x11\xe0", name="old.xls")[-1])
        self.assertIn(
            "Excel ファイル（.xlsx）として読めません",
            self.refused(b"PK\x03\x04broken", name="a.xlsx")[-1],
        )

    def test_header_only(self) -> None:
        errors = self.refused(csv_bytes([]))
        self.assertIn("取り込む行がありません", errors[-1])

    def test_refusal_by_service_lists_every_row(self) -> None:
        with self.assertRaises(ImportRefused) as raised:
            import_file(
                content=csv_bytes([row(相談方法="?"), row(対応="")]),
                file_name="a.csv",
                organisation=self.window,
                user=self.soudan,
            )
        self.assertEqual([error.line for error in raised.exception.errors], [2, 3])
        self.assertFalse(
            AuditEvent.objects.filter(object_type="consultations.consultation").exists()
        )

    def test_unknown_encoding_option_of_the_service(self) -> None:
        with self.assertRaises(FileRefused):
            import_file(
                content=csv_bytes(),
                file_name="a.csv",
                organisation=self.window,
                user=self.soudan,
                encoding="euc-jp",
            )


class ImportingOrganisationTest(ImportTestCase):
    """Records go to the importing worker's own organisation through every door; the command
    runs the page's rights check (the service's)."""

    def test_the_command_refuses_another_organisation(self) -> None:
        errors = self.refused(csv_bytes(), organisation=self.minato_window.pk)
        self.assertEqual(errors[-1], OTHER_ORGANISATION)
        self.assertFalse(Consultation.objects.exists())

    def test_the_command_accepts_the_users_own_organisation_by_id(self) -> None:
        self.run_import(csv_bytes(), organisation=self.window.pk)
        self.assertEqual(Consultation.objects.filter(organisation=self.window).count(), 4)

    def test_the_command_refuses_a_worker_without_the_right_and_audits_it(self) -> None:
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "a.csv"
            path.write_bytes(csv_bytes())
            with self.assertRaises(CommandError) as raised:
                call_command("import_consultations", str(path), user="toukei")
        self.assertIn("この操作の権限がありません", str(raised.exception))
        self.assertFalse(Consultation.objects.exists())
        denied = self.audit_rows(action=AuditEvent.Action.DENIED, actor=self.toukei)
        self.assertEqual(denied[-1].detail["right"], "edit_personal_data")

    def test_the_service_refuses_another_organisation_before_reading_the_file(self) -> None:
        with self.assertRaisesMessage(PermissionDenied, OTHER_ORGANISATION):
            import_file(
                content=b"not even a spreadsheet",
                file_name="a.csv",
                organisation=self.minato_window,
                user=self.soudan,
            )
        self.assertFalse(ImportBatch.objects.exists())


class StoredTextTest(ImportTestCase):
    """Each stored text column passes its field's rule on the intake page and in the API."""

    def test_a_control_character_is_refused_with_its_row_and_column(self) -> None:
        rows = [
            row(),
            row(氏名="山田\u202e 健太"),
            row(フリガナ="ヤマダ\x07"),
            row(本人ID="A\u200b1"),
            row(対応="つなぐ", つなぎ先種別="サポステ", つなぎ先="サポ\x1bステ"),
            row(メモ="電話\x1bあり"),
            row(メモ="1行目\n2行目\tタブ"),
        ]
        errors = self.refused(csv_bytes(rows))
        one_line = "制御文字（改行・タブ・見えない書式文字など）は使えません。"
        free_text = "使えない制御文字（見えない書式文字など）が含まれています。削除してください。"
        self.assertEqual(
            errors,
            [
                f"3行目: 氏名: {one_line}",
                f"4行目: フリガナ: {one_line}",
                f"5行目: 本人ID: {one_line}",
                f"6行目: つなぎ先: {one_line}",
                f"7行目: メモ: {free_text}",
                "誤りが5件あります。何も取り込んでいません。",
            ],
        )

    def test_lengths_are_the_fields_own(self) -> None:
        rows = [
            row(フリガナ="ア" * 121),
            row(本人ID="X" * 112),
            row(メモ="あ" * 20_001),
            row(本人ID="X" * 111, メモ="あ" * 20_000),
        ]
        errors = self.refused(csv_bytes(rows))
        self.assertEqual(
            errors,
            [
                "2行目: フリガナが長すぎます（セイ・メイそれぞれ120文字まで）。",
                "3行目: 本人IDが長すぎます（111文字まで）。",
                "4行目: メモが長すぎます（20,000文字まで。20,001文字あります）。",
                "誤りが3件あります。何も取り込んでいません。",
            ],
        )
