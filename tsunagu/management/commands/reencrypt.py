"""Re-encrypts every encrypted field under the newest key (key rotation, docs/encryption.md)."""

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, models

from tsunagu.fields import (
    BATCH_SIZE,
    DecryptionError,
    EncryptedBinaryField,
    bytes_to_newest_key,
    check_bytes,
    check_value,
    encrypted_fields,
    rewrite_binary,
    rewrite_in_batches,
    to_newest_key,
)


def models_with_encrypted_fields() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if encrypted_fields(model)]


def encrypted_files() -> list[tuple[type[models.Model], str]]:
    return [
        (model, field.name)
        for model in apps.get_models()
        for field in model._meta.concrete_fields
        if isinstance(field, EncryptedBinaryField)
    ]


class Command(BaseCommand):
    help = (
        "暗号化された項目（要配慮個人情報）をすべて、TSUNAGU_ENCRYPTION_KEY の先頭の鍵で暗号化し"
        "直します。鍵を替えるときは、新しい鍵を先頭に、古い鍵を後ろに並べてから実行し、"
        "終わってから古い鍵を外します。途中で止まっても、もう一度実行すれば続きから進みます。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="書き換えず、すべての値が今の鍵で復号できるかだけを確かめる",
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=BATCH_SIZE,
            help=f"1回のトランザクションで扱う行数（既定 {BATCH_SIZE}）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size は1以上の整数で指定してください。")
        transform = check_value if options["check"] else to_newest_key
        total = 0
        for model in models_with_encrypted_fields():
            names = "、".join(field.name for field in encrypted_fields(model))
            try:
                written = rewrite_in_batches(model, transform, batch_size=options["batch_size"])
            except DecryptionError as error:
                raise CommandError(str(error)) from None
            total += written
            if not options["check"]:
                label = f"{model._meta.label}（{names}）"
                self.stdout.write(f"{label}: {written}行を暗号化し直しました。")
        for model, name in encrypted_files():
            try:
                written = rewrite_binary(
                    model,
                    name,
                    check_bytes if options["check"] else bytes_to_newest_key,
                    using=DEFAULT_DB_ALIAS,
                )
            except DecryptionError as error:
                raise CommandError(str(error)) from None
            total += written
            if not options["check"]:
                label = f"{model._meta.label}（{name}）"
                self.stdout.write(f"{label}: {written}件を暗号化し直しました。")
        if options["check"]:
            self.stdout.write("すべての暗号化された項目を今の鍵で復号できました。")
        else:
            self.stdout.write(f"合計 {total}行。すべての値が先頭の鍵で暗号化されています。")
