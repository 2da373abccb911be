"""Production refuses to start on unsafe configuration, with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from accounts.checks import check_no_demo_accounts, refuse_demo_accounts_in_production
from accounts.models import User
from tsunagu.test import BaseTestCase

ROOT = Path(__file__).resolve().parents[2]
ENCRYPTION_KEY = "nO8kz2n6qGk1K7yqfX0m6F4oXy0b3P6r9s2Tq8u1V5w="
AUDIT_KEY = "audit-key-for-the-settings-tests-only-0123456789"
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-only-0123456789"


def start_production(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "TSUNAGU_DEMO"}
    }
    clean.update(
        {
            "TSUNAGU_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "tsunagu.settings",
            "TSUNAGU_ENCRYPTION_KEY": ENCRYPTION_KEY,
            "TSUNAGU_AUDIT_KEY": AUDIT_KEY,
        }
    )
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ALLOWED_HOSTS": "tsunagu.example.lg.jp"}, "環境変数 SECRET_KEY が設定されていません"),
        ({"SECRET_KEY": GOOD_KEY}, "本番環境では ALLOWED_HOSTS"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "TSUNAGU_ENCRYPTION_KEY": ""},
            "TSUNAGU_ENCRYPTION_KEY",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "TSUNAGU_AUDIT_KEY": ""},
            "TSUNAGU_AUDIT_KEY（監査ログの鍵）が必要です",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "TSUNAGU_AUDIT_KEY": "short"},
            "32文字以上の TSUNAGU_AUDIT_KEY",
        ),
        ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "a.lg.jp"}, "50文字以上の SECRET_KEY"),
        (
            {
                "SECRET_KEY": "development-only-key-never-use-in-production-tsunagu",
                "ALLOWED_HOSTS": "a.lg.jp",
            },
            "既定値でない",
        ),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "TSUNAGU_DEMO": "1"}, "TSUNAGU_DEMO"),
        ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "DEBUG": "1"}, "DEBUG"),
        (
            {"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "a.lg.jp", "DEBUG": "maybe"},
            "真偽値ではありません",
        ),
    ],
)
def test_production_refuses_unsafe_configuration(env: dict[str, str], message: str) -> None:
    result = start_production(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_production_starts_with_a_key_and_hosts() -> None:
    result = start_production(SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="tsunagu.example.lg.jp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"


class DemoAccountRefusalTests(BaseTestCase):
    @override_settings(PRODUCTION=True)
    def test_production_refuses_to_start_with_demo_accounts(self) -> None:
        User.objects.filter(pk=self.soudan.pk).update(is_demo=True)
        with self.assertRaisesMessage(ImproperlyConfigured, "デモ用アカウントが残っています"):
            refuse_demo_accounts_in_production()
        (error,) = check_no_demo_accounts(databases=["default"])
        self.assertEqual(error.id, "tsunagu.E001")

    @override_settings(PRODUCTION=True)
    def test_production_starts_without_demo_accounts(self) -> None:
        refuse_demo_accounts_in_production()
        self.assertEqual(check_no_demo_accounts(databases=["default"]), [])
