"""`manage.py setup_installation`: the first start, from a TOML file, flags or questions."""

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.core.management import CommandError, call_command
from django.db import connection
from django.test import TestCase

from accounts.models import LocalGovernment, Organisation, StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import verify_chain
from tsunagu.test import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]

SETUP_TOML = """\
site_url = "https://tsunagu.example.lg.jp"

[local_government]
kind = "municipality"
code = "131016"
name = "千代田区"

[prefecture]
code = "130001"
name = "東京都"

[organisation]
name = "千代田区 ひきこもり相談窓口"
type = "municipal_window"
operator = "千代田区（直営）"
address = "東京都千代田区九段南1-2-1"
phone = "03-3264-2111"
named_window = true

[administrator]
username = "kanri"
display_name = "管理 一郎"
"""

PREFECTURE_FLAGS = [
    "--no-input",
    "--kind=prefecture",
    "--code=010006",
    "--name=北海道",
    "--organisation-name=北海道ひきこもり成年相談センター",
    "--organisation-type=ひきこもり地域支援センター",
    "--admin-username=kanri",
    "--admin-display-name=管理 花子",
]


def run(*args: str, **options: Any) -> str:
    out = io.StringIO()
    call_command("setup_installation", *args, stdout=out, **options)
    return out.getvalue()


def link_path(output: str) -> str:
    (link,) = [line for line in output.splitlines() if line.startswith("http")]
    return link.removeprefix("https://tsunagu.example.lg.jp")


class FromATomlFileTests(TestCase):
    def setUp(self) -> None:
        self.config = Path(self.enterContext(tempfile.TemporaryDirectory())) / "setup.toml"
        self.config.write_text(SETUP_TOML, encoding="utf-8")

    def test_it_creates_the_municipality_its_prefecture_the_organisation_and_the_admin(
        self,
    ) -> None:
        output = run(f"--config={self.config}")

        ward = LocalGovernment.objects.get(code="131016")
        self.assertEqual((ward.name, ward.prefecture.name), ("千代田区", "東京都"))
        organisation = Organisation.objects.get()
        self.assertEqual(organisation.local_government, ward)
        self.assertTrue(organisation.is_named_window)
        self.assertEqual(organisation.phone, "03-3264-2111")
        admin = User.objects.get(username="kanri")
        self.assertEqual(admin.organisation, organisation)
        self.assertEqual(admin.role_codes, {Role.ADMINISTRATOR.value})
        self.assertFalse(admin.has_usable_password())
        self.assertIn("https://tsunagu.example.lg.jp/password/set/", output)

    def test_every_row_is_audited_and_the_chain_holds(self) -> None:
        run(f"--config={self.config}")

        types = [row.object_type for row in AuditEvent.objects.order_by("id")]
        self.assertEqual(
            types,
            [
                "accounts.localgovernment",
                "accounts.localgovernment",
                "accounts.organisation",
                "accounts.user",
                "accounts.installation",
            ],
        )
        self.assertEqual(list(verify_chain()), [])

    def test_the_printed_link_lets_the_administrator_set_a_password_once(self) -> None:
        url = link_path(run(f"--config={self.config}"))
        form_page = self.client.get(url, follow=True)
        password = "ちよだの長い合言葉 2026 window"

        self.client.post(
            form_page.redirect_chain[-1][0],
            {"new_password1": password, "new_password2": password},
        )

        self.assertTrue(User.objects.get(username="kanri").check_password(password))
        self.assertContains(self.client.get(url, follow=True), "このリンクは使えません")

    def test_flags_win_over_the_file(self) -> None:
        run(f"--config={self.config}", "--admin-username=chiyoda_admin")

        self.assertTrue(User.objects.filter(username="chiyoda_admin").exists())

    def test_an_unknown_key_in_the_file_is_named(self) -> None:
        self.config.write_text(
            SETUP_TOML.replace("named_window = true", "named_window = true\nfax = 1"),
            encoding="utf-8",
        )

        with self.assertRaisesMessage(CommandError, "[organisation] に不明な項目があります"):
            run(f"--config={self.config}")


class FromFlagsAndQuestionsTests(TestCase):
    def test_a_prefecture_starts_from_flags_alone(self) -> None:
        run(*PREFECTURE_FLAGS)

        government = LocalGovernment.objects.get()
        self.assertEqual(government.kind, LocalGovernment.Kind.PREFECTURE)
        self.assertEqual(Organisation.objects.get().type, "hikikomori_centre")

    def test_it_asks_for_what_is_missing(self) -> None:
        answers = "\n".join(
            [
                "municipality",
                "011002",
                "札幌市",
                "010006",
                "北海道",
                "札幌市ひきこもり地域支援センター",
                "hikikomori_centre",
                "",
                "",
                "011-000-0000",
                "yes",
                "sapporo_admin",
                "管理 三郎",
            ]
        )

        output = run(stdin=io.StringIO(answers + "\n"))

        self.assertIn("全国地方公共団体コード（6桁", output)
        self.assertEqual(LocalGovernment.objects.get(code="011002").prefecture.code, "010006")
        self.assertTrue(User.objects.filter(username="sapporo_admin").exists())

    def test_without_input_it_names_every_missing_value(self) -> None:
        with self.assertRaises(CommandError) as refused:
            run("--no-input", "--kind=prefecture")

        self.assertIn("最初の管理者のユーザー名", str(refused.exception))
        self.assertIn("全国地方公共団体コード", str(refused.exception))


class RefusalsTests(TestCase):
    def refused(self, *flags: str) -> str:
        with self.assertRaises(CommandError) as refused:
            run(*PREFECTURE_FLAGS, *flags)
        return str(refused.exception)

    def test_a_bad_check_digit_is_refused_naming_the_field(self) -> None:
        message = self.refused("--code=010007")

        self.assertIn("全国地方公共団体コード: 全国地方公共団体コード 010007 の検査数字", message)
        self.assertFalse(LocalGovernment.objects.exists())

    def test_a_municipality_s_code_given_as_a_prefecture_is_refused(self) -> None:
        self.assertIn("3〜5桁目が000", self.refused("--code=011002"))

    def test_a_municipality_needs_its_prefecture(self) -> None:
        message = self.refused("--kind=municipality", "--code=011002", "--name=札幌市")

        self.assertIn("都道府県のコードと名称も指定してください", message)

    def test_it_is_all_or_nothing(self) -> None:
        # The government and the organisation pass; the phone number fails: nothing is kept.
        message = self.refused("--phone=12345")

        self.assertIn("電話番号: 電話番号は数字とハイフン", message)
        self.assertFalse(LocalGovernment.objects.exists())
        self.assertFalse(AuditEvent.objects.exists())

    def test_an_unknown_organisation_type_lists_the_known_ones(self) -> None:
        self.assertIn("municipal_window", self.refused("--organisation-type=役場"))


class RunsOnceTests(BaseTestCase):
    def test_it_refuses_a_database_that_has_an_administrator(self) -> None:
        with self.assertRaisesMessage(CommandError, "すでに管理者がいます"):
            run(*PREFECTURE_FLAGS)

        self.assertEqual(StaffRole.objects.filter(role=Role.ADMINISTRATOR).count(), 1)


# ---- on an empty database with production settings (a subprocess: migrate, then set up) ----

PRODUCTION_ENV = {
    "TSUNAGU_ENV": "production",
    "DJANGO_SETTINGS_MODULE": "tsunagu.settings",
    "SECRET_KEY": "s" * 20 + "-setup-installation-test-secret-key-0123456789",
    "ALLOWED_HOSTS": "tsunagu.example.lg.jp",
    "TSUNAGU_ENCRYPTION_KEY": "nO8kz2n6qGk1K7yqfX0m6F4oXy0b3P6r9s2Tq8u1V5w=",
    "TSUNAGU_AUDIT_KEY": "audit-key-for-the-setup-installation-test-0123456789",
    "TSUNAGU_LOG_FILE": "",
}


@contextmanager
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A new empty database of the kind the tests run on (SQLite file or PostgreSQL)."""
    if connection.vendor != "postgresql":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    db = connection.settings_dict
    name = f"{db['NAME']}_setup_installation"
    _server_statement(db, f'DROP DATABASE IF EXISTS "{name}"')
    _server_statement(db, f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    try:
        yield f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{name}"
    finally:
        _server_statement(db, f'DROP DATABASE IF EXISTS "{name}"')


def _server_statement(db: dict[str, Any], sql: str) -> None:
    import psycopg

    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        password=db["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(sql)


# One process (each start costs seconds): migrate, set up, try again, verify the audit chain.
FIRST_START = """
import sys
import django
from django.core.management import CommandError, call_command

django.setup()
call_command("migrate", "--no-input", verbosity=0)
call_command("setup_installation", "--config=" + sys.argv[1], "--no-input")
try:
    call_command("setup_installation", "--config=" + sys.argv[1], "--no-input")
except CommandError as error:
    print("second run:", error)
call_command("verify_audit")
"""


def first_start(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", FIRST_START, str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_it_sets_up_an_empty_database_under_production_settings(tmp_path: Path) -> None:
    config = tmp_path / "setup.toml"
    config.write_text(SETUP_TOML, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "TSUNAGU_DEMO"}}
    env.update(PRODUCTION_ENV)
    env["TSUNAGU_DATA_DIR"] = str(tmp_path)

    with empty_database_url(tmp_path) as database_url:
        env["DATABASE_URL"] = database_url
        started = first_start(config, env)

    assert started.returncode == 0, started.stdout + started.stderr
    assert "https://tsunagu.example.lg.jp/password/set/" in started.stdout
    assert "second run: この環境にはすでに管理者がいます" in started.stdout
    assert "最終行（控えてください）: 5:" in started.stdout  # five audit rows, chain verified
