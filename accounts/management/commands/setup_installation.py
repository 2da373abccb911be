"""`manage.py setup_installation`: the first start of a real installation (docs/administration.md).

Values come from a TOML file (--config), then flags (which win), then questions for whatever is
still missing (unless --no-input). Everything is checked by the same rules as the administration
pages and created in one transaction; a second run on a database with an administrator is refused.
"""

import sys
import tomllib
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.administration.installation import (
    ALREADY_SET_UP_MESSAGE,
    GovernmentInput,
    InstallationInput,
    has_administrator,
    installation_setup,
    set_password_path,
)
from accounts.models import LocalGovernment, OrganisationType

# key, question, flag; the TOML file names the same keys in its tables (see docs/administration.md)
QUESTIONS: list[tuple[str, str]] = [
    ("kind", "始める団体の種別（prefecture=都道府県 / municipality=市区町村）"),
    ("code", "全国地方公共団体コード（6桁、例: 131016）"),
    ("name", "地方公共団体の名称（例: 千代田区）"),
    ("prefecture_code", "その都道府県の全国地方公共団体コード（例: 130001）"),
    ("prefecture_name", "その都道府県の名称（例: 東京都）"),
    ("organisation_name", "最初の機関の名称（例: 千代田区 ひきこもり相談窓口）"),
    ("organisation_type", "機関の種別（例: municipal_window）"),
    ("operator", "運営法人（直営なら「千代田区（直営）」など。空欄可）"),
    ("address", "所在地（空欄可）"),
    ("phone", "電話番号（例: 03-1234-5678。空欄可）"),
    ("named_window", "ひきこもり相談窓口として公表しますか（yes/no）"),
    ("admin_username", "最初の管理者のユーザー名（半角英数字）"),
    ("admin_display_name", "最初の管理者の氏名"),
]
OPTIONAL = {"operator", "address", "phone", "named_window", "prefecture_code", "prefecture_name"}
# The TOML file's tables and the keys they hold.
TOML_TABLES = {
    "local_government": {"kind": "kind", "code": "code", "name": "name"},
    "prefecture": {"code": "prefecture_code", "name": "prefecture_name"},
    "organisation": {
        "name": "organisation_name",
        "type": "organisation_type",
        "operator": "operator",
        "address": "address",
        "phone": "phone",
        "named_window": "named_window",
    },
    "administrator": {"username": "admin_username", "display_name": "admin_display_name"},
}
FIELD_LABELS = {
    "code": "全国地方公共団体コード",
    "name": "名称",
    "kind": "種別",
    "prefecture": "都道府県",
    "type": "機関の種別",
    "operator_name": "運営法人",
    "address": "所在地",
    "phone": "電話番号",
    "username": "ユーザー名",
    "display_name": "氏名",
    "local_government": "所属する地方公共団体",
}
YES = {"yes", "y", "true", "1", "はい"}
NO = {"no", "n", "false", "0", "いいえ", ""}


class Command(BaseCommand):
    stealth_options = ("stdin",)  # the answers to the questions, for tests (default: sys.stdin)
    help = (
        "本番環境の最初の一度だけ: 地方公共団体（コードの検査数字を確認）、最初の機関、"
        "最初の管理者を登録し、管理者がパスワードを設定する一度だけのリンクを表示します。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--config", type=Path, help="設定を書いたTOMLファイル")
        parser.add_argument("--no-input", action="store_true", help="足りない値を質問しない")
        parser.add_argument(
            "--site-url",
            help="利用者が開くURL（例: https://tsunagu.example.lg.jp）。リンクの表示に使います",
        )
        parser.add_argument("--kind", choices=LocalGovernment.Kind.values)
        for key, question in QUESTIONS[1:]:
            if key == "named_window":
                parser.add_argument(
                    "--named-window", dest="named_window", action="store_const", const="yes"
                )
                parser.add_argument(
                    "--no-named-window", dest="named_window", action="store_const", const="no"
                )
                continue
            parser.add_argument("--" + key.replace("_", "-"), dest=key, help=question)

    def handle(self, *args: Any, **options: Any) -> None:
        if has_administrator():
            raise CommandError(ALREADY_SET_UP_MESSAGE)
        values = {**_from_toml(options["config"]), **_given_flags(options)}
        site_url = values.pop("site_url", None) or options["site_url"] or _default_site_url()
        stdin: IO[str] = options.get("stdin") or sys.stdin
        if not options["no_input"]:
            self._ask_missing(values, stdin)
        given = _installation_input(values)
        try:
            installation = installation_setup(given)
        except ValidationError as error:
            raise CommandError(_refusal_text(error)) from None
        self._report(installation.administrator, site_url.rstrip("/"))

    def _ask_missing(self, values: dict[str, Any], stdin: IO[str]) -> None:
        for key, question in QUESTIONS:
            if key in values:
                continue
            if key.startswith("prefecture_") and values.get("kind") != "municipality":
                continue
            self.stdout.write(f"{question}: ", ending="")
            self.stdout.flush()
            answer = stdin.readline()
            if answer == "":
                raise CommandError(f"入力が途中で終わりました（{question}）。")
            values[key] = answer.strip()

    def _report(self, administrator: Any, site_url: str) -> None:
        days = timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT).days
        self.stdout.write(self.style.SUCCESS("初期設定が終わりました。"))
        self.stdout.write(
            f"管理者 {administrator.username}（{administrator.display_name}）が"
            f"パスワードを設定するリンク（一度だけ・{days}日間有効）:"
        )
        self.stdout.write(site_url + set_password_path(administrator))
        self.stdout.write(
            "このリンクは本人にだけ渡してください。パスワードを設定したら、ログインして"
            "画面の案内に従ってください（最初のログインで二要素認証の登録を求めます）。"
        )


def _from_toml(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        with path.open("rb") as file:
            document = tomllib.load(file)
    except OSError as error:
        raise CommandError(f"設定ファイル {path} を読めません: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise CommandError(f"設定ファイル {path} はTOMLとして読めません: {error}") from None
    values: dict[str, Any] = {}
    if "site_url" in document:
        values["site_url"] = str(document["site_url"])
    for table, keys in TOML_TABLES.items():
        section = document.get(table, {})
        if not isinstance(section, Mapping):
            raise CommandError(f"設定ファイルの [{table}] は表（テーブル）にしてください。")
        unknown = set(section) - set(keys)
        if unknown:
            raise CommandError(
                f"設定ファイルの [{table}] に不明な項目があります: {sorted(unknown)}"
            )
        values.update({keys[key]: section[key] for key in section})
    return values


def _given_flags(options: Mapping[str, Any]) -> dict[str, Any]:
    keys = [key for key, _ in QUESTIONS]
    return {key: options[key] for key in keys if options.get(key) is not None}


def _default_site_url() -> str:
    host = settings.ALLOWED_HOSTS[0] if settings.ALLOWED_HOSTS else "127.0.0.1"
    return f"https://{host}" if settings.PRODUCTION else f"http://{host}:8000"


def _installation_input(values: Mapping[str, Any]) -> InstallationInput:
    missing = [q for key, q in QUESTIONS if key not in OPTIONAL and not _text(values, key)]
    if missing:
        raise CommandError("足りない値があります:\n" + "\n".join(f"- {q}" for q in missing))
    kind = _text(values, "kind")
    if kind not in LocalGovernment.Kind.values:
        raise CommandError(f"種別は prefecture か municipality です（指定: {kind}）。")
    prefecture = None
    if kind == LocalGovernment.Kind.MUNICIPALITY:
        if not (_text(values, "prefecture_code") and _text(values, "prefecture_name")):
            raise CommandError("市区町村で始めるときは、都道府県のコードと名称も指定してください。")
        prefecture = GovernmentInput(
            LocalGovernment.Kind.PREFECTURE,
            _text(values, "prefecture_code"),
            _text(values, "prefecture_name"),
        )
    return InstallationInput(
        government=GovernmentInput(kind, _text(values, "code"), _text(values, "name")),
        prefecture=prefecture,
        organisation={
            "name": _text(values, "organisation_name"),
            "type": _organisation_type(_text(values, "organisation_type")),
            "operator_name": _text(values, "operator"),
            "address": _text(values, "address"),
            "phone": _text(values, "phone"),
            "is_named_window": _yes_or_no(values.get("named_window", "no")),
        },
        username=_text(values, "admin_username"),
        display_name=_text(values, "admin_display_name"),
    )


def _text(values: Mapping[str, Any], key: str) -> str:
    value = values.get(key)
    return "" if value is None else str(value).strip()


def _organisation_type(given: str) -> str:
    """The type by its code (municipal_window) or its Japanese label."""
    for value, label in OrganisationType.choices:
        if given in (value, label):
            return value
    codes = "、".join(OrganisationType.values)
    raise CommandError(f"機関の種別 {given!r} は不明です。次のいずれかを指定してください: {codes}")


def _yes_or_no(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in YES:
        return True
    if text in NO:
        return False
    raise CommandError(f"公表するかどうかは yes か no で指定してください（指定: {value}）。")


def _refusal_text(error: ValidationError) -> str:
    if not hasattr(error, "error_dict"):
        return "\n".join(error.messages)
    return "\n".join(
        f"{FIELD_LABELS.get(name, name)}: {message}"
        for name, messages in error.message_dict.items()
        for message in messages
    )
