from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.access import own_organisation_id
from accounts.models import Organisation, User
from consultations.importing.reading import ENCODINGS, FileRefused, refuse_if_too_large
from consultations.importing.writing import ImportRefused, import_file


class Command(BaseCommand):
    """The command door of the import: the same service and rights check as the page
    (writing.check_file), so records go only to the importing worker's own organisation."""

    help = (
        "表計算ソフト（xlsx・CSV）の相談記録を、取り込む職員の所属機関に取り込みます。"
        "誤りのある行が1つでもあれば何も取り込まず、すべての誤りを行番号つきで表示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="取り込むファイル（.xlsx または .csv）")
        parser.add_argument("--user", required=True, help="取込を行う職員のユーザー名")
        parser.add_argument(
            "--organisation",
            type=int,
            help="取り込む先の機関のID（職員の所属機関だけを指定できます。省略時も所属機関）",
        )
        parser.add_argument(
            "--encoding",
            choices=sorted(ENCODINGS),
            default="",
            help="CSVの文字コード（省略時は自動判定）",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="何も書き込まず、作成される内容だけを表示する"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        user = User.objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"職員「{options['user']}」が見つかりません。")
        try:
            organisation = self._organisation(options["organisation"], user)
            refuse_if_too_large(path.stat().st_size)
            content = path.read_bytes()
            result = import_file(
                content=content,
                file_name=path.name,
                organisation=organisation,
                user=user,
                encoding=options["encoding"],
                dry_run=options["dry_run"],
            )
        except PermissionDenied as refusal:
            raise CommandError(str(refusal)) from None
        except FileNotFoundError:
            raise CommandError(f"ファイル {path} が見つかりません。") from None
        except OSError as unreadable:
            raise CommandError(f"ファイル {path} を読めません（{unreadable.strerror}）。") from None
        except FileRefused as refusal:
            raise CommandError(str(refusal)) from None
        except ImportRefused as refusal:
            for error in refusal.errors:
                self.stderr.write(f"{error.line}行目: {error.message}")
            raise CommandError(
                f"誤りが{len(refusal.errors)}件あります。何も取り込んでいません。"
            ) from None
        self._report(result.summary, dry_run=options["dry_run"], batch=result.batch)

    @staticmethod
    def _organisation(organisation_id: int | None, user: User) -> Organisation:
        """The organisation named by --organisation (the service refuses another than the
        user's own), or the user's own (PermissionDenied when the user has none)."""
        if organisation_id is None:
            organisation_id = own_organisation_id(user)
        organisation = Organisation.objects.filter(pk=organisation_id).first()
        if organisation is None:
            raise CommandError(f"機関 #{organisation_id} が見つかりません。")
        return organisation

    def _report(self, summary: dict[str, Any], *, dry_run: bool, batch: Any) -> None:
        write = self.stdout.write
        if summary["unknown_columns"]:
            write(f"使わない列（無視しました）: {'、'.join(summary['unknown_columns'])}")
        write(f"相談: {summary['consultations']}件")
        for label, count in summary["by_channel"].items():
            write(f"  {label}: {count}件")
        write(
            f"本人: 新規 {summary['persons_new']}人"
            f"（うち氏名不明 {summary['persons_new_unnamed']}人）、"
            f"登録済みの人と照合 {summary['persons_linked']}人、"
            f"重複の可能性あり（確認待ちに登録） {summary['persons_possible']}人"
        )
        write(f"つなぎ: {summary['referrals']}件")
        if summary["new_agencies"]:
            write(f"新しく登録する機関: {'、'.join(summary['new_agencies'])}")
        if dry_run:
            write(self.style.WARNING("試行（--dry-run）のため、何も書き込んでいません。"))
        else:
            write(self.style.SUCCESS(f"取り込みました（取込 #{batch.pk}）。"))
