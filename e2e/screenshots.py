"""`make screenshots`: full-page pictures of the main pages at 1280, 768 and 390 px.

A development tool, not a test (pytest collects only test_*.py). It builds a fresh demo database
in a temporary folder, starts the development server on a free loopback port, signs in as each
demo role with the demo password (demo mode asks for no second factor) and saves
`screenshots/<width>/<name>.png`. It prints, per page and width, the document's scrollWidth and
height, and exits non-zero when a page scrolls sideways (scrollWidth wider than the window) or
does not answer 200.

    .venv/bin/python e2e/screenshots.py [--out screenshots] [--only name,name]
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
WIDTHS = (1280, 768, 390)
WINDOW_HEIGHT = 800
DEMO_PASSWORD = "tsunagu-demo"
STEP_TIMEOUT = 300  # seconds for migrate and load_demo each
PAGE_TIMEOUT_MS = 30_000

# One demo user per role (README「デモ用アカウント」).
ROLE_HOMES = (
    ("admin", "管理者"),
    ("soudan", "相談支援員"),
    ("houmon", "アウトリーチ支援員"),
    ("chousei", "多機関協働コーディネーター"),
    ("toukei", "統計担当"),
    ("kansa", "監査担当"),
    ("ibasho", "居場所スタッフ"),
    ("supporter", "サポーター"),
    ("houkatsu", "連携先機関の職員"),
    ("centre", "センター専門職"),
)

# The records the pages show, found in the demo database (printed as JSON by `manage.py shell`).
FIND_RECORDS = """
import json
from django.utils import timezone
from accounts.models import LocalGovernment
from cases.models import Case
from community.models import Session
from supporters.models import Dispatch
case = Case.objects.filter(lead_worker__username="soudan").order_by("pk").first()
session = (
    Session.objects.filter(attendances__isnull=False, date__lte=timezone.localdate())
    .order_by("-date", "pk").first()
)
dispatches = Dispatch.objects.filter(supporter__user__username="supporter")
dispatch = (
    dispatches.filter(state=Dispatch.State.PLANNED, starts_at__lt=timezone.now()).first()
    or dispatches.order_by("-starts_at").first()
)
print(json.dumps({
    "case": case.pk if case else None,
    "session": session.pk if session else None,
    "dispatch": dispatch.pk if dispatch else None,
    "town": LocalGovernment.objects.get(name="つなぐ市").code,
}))
"""


@dataclass(frozen=True)
class Shot:
    name: str
    user: str | None  # None: the public pages, signed out
    path: str
    submit: str | None = None  # a button to press first: the form with errors


@dataclass(frozen=True)
class Measure:
    name: str
    width: int
    scroll_width: int
    height: int
    status: int

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.scroll_width <= self.width


def shots(records: dict[str, int | str | None]) -> list[Shot]:
    found = [Shot(f"home-{user}", user, "/") for user, _ in ROLE_HOMES]
    found.append(Shot("case-list", "soudan", "/cases/"))
    if records["case"]:
        case = records["case"]
        found.append(Shot("case-detail", "soudan", f"/cases/{case}/"))
        found.append(
            Shot("activity-form-errors", "soudan", f"/cases/{case}/activities/new/", "記録する")
        )
    found.append(Shot("intake-form-errors", "soudan", "/consultations/new/", "相談を記録する"))
    if records["session"]:
        found.append(Shot("attendance", "ibasho", f"/ibasho/sessions/{records['session']}/"))
    if records["dispatch"]:
        found.append(Shot("dispatch-report", "supporter", f"/my/dispatches/{records['dispatch']}/"))
    found.append(Shot("public-calendar", None, f"/public/{records['town']}/ibasho/"))
    return found


def run_step(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"manage.py {args[0]} failed ({done.returncode})")
    return done.stdout


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def demo_server(env: dict[str, str], log: Path) -> Iterator[str]:
    """The development server on a free loopback port; stopped on the way out, even on error."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
            [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(f"{base}/healthz", server)
            yield base
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def wait_until_up(url: str, server: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped ({server.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def take(base: str, targets: list[Shot], out: Path) -> list[Measure]:
    from playwright.sync_api import Browser, Page, sync_playwright

    measures: list[Measure] = []

    def signed_in(browser: Browser, user: str | None) -> Page:
        context = browser.new_context(
            locale="ja-JP",
            timezone_id="Asia/Tokyo",
            viewport={"width": WIDTHS[0], "height": WINDOW_HEIGHT},
        )
        context.set_default_timeout(PAGE_TIMEOUT_MS)
        page = context.new_page()
        if user is not None:
            page.goto(f"{base}/login/")
            page.get_by_label("ユーザー名").fill(user)
            page.get_by_label("パスワード").fill(DEMO_PASSWORD)
            with page.expect_navigation():
                page.get_by_role("button", name="ログイン").click()
            if "/login" in page.url:
                raise SystemExit(f"{user} could not sign in ({page.url})")
        return page

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages: dict[str | None, Page] = {}
            for shot in targets:
                if shot.user not in pages:
                    pages[shot.user] = signed_in(browser, shot.user)
                page = pages[shot.user]
                for width in WIDTHS:
                    measures.append(photograph(page, base, shot, width, out))
        finally:
            browser.close()
    return measures


def photograph(page: object, base: str, shot: Shot, width: int, out: Path) -> Measure:
    from playwright.sync_api import Page

    assert isinstance(page, Page)
    page.set_viewport_size({"width": width, "height": WINDOW_HEIGHT})
    response = page.goto(f"{base}{shot.path}")
    if response is not None and response.status >= 500:
        # The development server on SQLite may refuse a write while the page's own second
        # request (the menu's counts) holds the lock; one reload tells that from a broken page.
        time.sleep(1)
        response = page.reload()
    status = response.status if response is not None else 0
    if shot.submit and status == 200:
        button = page.locator("main form[method=post]").get_by_role("button", name=shot.submit)
        # Let the server answer the empty form (the browser's own required check would stop it).
        button.first.evaluate("b => { b.form.noValidate = true; }")
        with page.expect_navigation():
            button.first.click()
        status = 200 if page.locator(".error-summary, [role=alert]").count() else 0
    page.wait_for_load_state("load")
    scroll_width, height = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    )
    folder = out / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{shot.name}.png"), full_page=True)
    return Measure(shot.name, width, int(scroll_width), int(height), status)


def report(measures: list[Measure]) -> None:
    print(f"{'page':<26} {'width':>5} {'scrollWidth':>11} {'height':>7}  status")
    for m in measures:
        mark = "ok" if m.ok else ("OVERFLOW" if m.status == 200 else f"HTTP {m.status}")
        print(f"{m.name:<26} {m.width:>5} {m.scroll_width:>11} {m.height:>7}  {mark}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "screenshots"))
    parser.add_argument("--only", default="", help="comma-separated page names")
    options = parser.parse_args(argv)
    out = Path(options.out).absolute()
    with tempfile.TemporaryDirectory(prefix="tsunagu-screens-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "TSUNAGU_DEMO": "1",
            "TSUNAGU_TOTP_REQUIRED": "0",
            "DJANGO_SETTINGS_MODULE": "tsunagu.settings",
        }
        print("データベースを作っています…", flush=True)
        run_step(["migrate", "--no-input"], env)
        run_step(["load_demo"], env)
        records = json.loads(run_step(["shell", "-c", FIND_RECORDS], env).strip().splitlines()[-1])
        targets = shots(records)
        if options.only:
            wanted = set(options.only.split(","))
            targets = [shot for shot in targets if shot.name in wanted]
        with demo_server(env, Path(folder) / "server.log") as base:
            measures = take(base, targets, out)
    report(measures)
    print(f"保存先: {out}/<幅>/<名前>.png")
    failed = [m for m in measures if not m.ok]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
