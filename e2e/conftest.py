"""Browser tests: pytest-playwright drives Debian's Chromium against pytest-django's live server.

Run with `make e2e`. The browser is /usr/bin/chromium from Debian (`apt-get install chromium
fonts-ipaexfont`); Playwright's own browser download (`playwright install`) is never used.
"""

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

# The sync Playwright API runs an event loop in the test thread; Django's ORM would otherwise
# refuse to run there (SynchronousOnlyOperation). Set before Django touches the database.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "e2e correct horse battery staple"
E2E_DIR = Path(__file__).resolve().parent

# The audit log is append-only: database triggers refuse DELETE and TRUNCATE on its table, so the
# flush that follows every transactional test would fail. The flush covers only the tables of
# `available_apps`, so the e2e tests run with every app except `audit`; its rows stay for the rest
# of the session (the hash chain simply continues) and go when the test database is dropped.
UNFLUSHED_APPS = {"audit"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    from django.apps import apps

    available_apps = [c.name for c in apps.get_app_configs() if c.label not in UNFLUSHED_APPS]
    marker = pytest.mark.django_db(transaction=True, available_apps=available_apps)
    for item in items:
        if E2E_DIR in item.path.parents:
            item.add_marker(marker)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A browser loads a page and, at once, what the page asks for after it (the menu's counts):
    two requests at the same moment, as in an office. The live server answers them on two
    threads; SQLite's in-memory test database would lock one out ("database table is locked"),
    so the browser tests run on a database file in WAL mode, as `make run` does."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"].endswith("sqlite3"):
        folder = tmp_path_factory.mktemp("e2e-database")
        database.setdefault("TEST", {})["NAME"] = str(folder / "e2e.sqlite3")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} がありません（apt-get install chromium fonts-ipaexfont）。"
            f" / {CHROMIUM} is missing: apt-get install chromium fonts-ipaexfont"
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """A Japanese office PC: Japanese locale, Japan time, an ordinary desktop window."""
    return {
        **browser_context_args,
        "locale": "ja-JP",
        "timezone_id": "Asia/Tokyo",
        "viewport": {"width": 1280, "height": 800},
    }


def fill_date_time(page: Any, label: str, moment: datetime) -> None:
    """Type a moment into a date-time field: its 日付 and its 時刻 (tsunagu/widgets.py)."""
    page.get_by_label(f"{label}の日付").fill(moment.strftime("%Y-%m-%d"))
    page.get_by_label(f"{label}の時刻").fill(moment.strftime("%H:%M"))


@pytest.fixture
def personas(transactional_db: None) -> dict[str, Any]:
    """The fictional world's staff (see accounts/demo.py), e.g. `soudan` 相談 花子."""
    from accounts.demo import build_world

    return build_world(password=PASSWORD, demo=False).staff


@pytest.fixture
def server_url(live_server: Any, personas: dict[str, Any]) -> str:
    """The live server's base URL, with the personas in its database.

    Staff who need the second factor have an authenticator app already (a confirmed TOTP
    device; modules that build their own world override `personas`, so it is given here):
    `log_in` (e2e/test_login.py) types its code at the real prompt, computed from the device's
    key as the app would. The enrolment itself is tested in e2e/test_login.py."""
    from accounts.otp import needs_second_factor
    from tsunagu.test import confirmed_app_of

    for user in personas.values():
        if needs_second_factor(user):
            confirmed_app_of(user)
    return str(live_server.url)


@dataclass
class Traffic:
    """What the page asked for and what the browser console said while a test ran."""

    origin: str
    urls: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def foreign_urls(self) -> list[str]:
        """Requests to any other scheme/host/port than the live server's."""
        return [url for url in self.urls if _origin(url) != self.origin]

    def csp_violations(self) -> list[str]:
        return [text for text in self.console if "Content Security Policy" in text]


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def traffic(page: Any, server_url: str) -> Iterator[Traffic]:
    """Records every request the page makes and every console message, from the first load on."""
    recorded = Traffic(origin=_origin(server_url))
    page.on("request", lambda request: recorded.urls.append(request.url))
    page.on("console", lambda message: recorded.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: recorded.console.append(f"pageerror: {error}"))
    yield recorded


@pytest.fixture
def output_dir(pytestconfig: pytest.Config) -> Path:
    """pytest-playwright's --output folder (default test-results/, git-ignored)."""
    path = Path(pytestconfig.getoption("--output")).absolute()
    path.mkdir(parents=True, exist_ok=True)
    return path
