from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from people.keys import refresh_keys


class Command(BaseCommand):
    help = (
        "本人・家族の照合キー（検索・重複確認用）をすべて計算し直します。"
        "氏名の正規化を変えたとき、または移行（migrate）のあとに一度実行してください。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=20_000)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        updated = refresh_keys(batch_size=batch_size, progress=self.stdout.write)
        self.stdout.write(self.style.SUCCESS(f"照合キーを {updated} 件更新しました。"))
