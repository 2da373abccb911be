"""The base test case: the demo world's organisations and personas, built once per class.

Personas (see accounts/demo.py): `soudan` the consultation worker at つなぐ市's window, `douryou`
a colleague in the same office, `admin` its administrator, `kansa` its auditor, `toukei` its
statistics clerk, `houkatsu` a worker of a partner agency (地域包括支援センター), `minato` a worker
of another municipality whose records must stay invisible.

Signing in: `login()` (and `self.client.force_login`) gives a session that has passed the second
factor for staff who need it, through a confirmed authenticator app of the persona (created on
first use) and django-otp's own login, so that a test of a page need not type a code. The tests
of the sign-in itself (accounts/tests/test_second_factor.py) post the password and the code.
"""

import time
from typing import Any

from django.db import connection
from django.http import HttpRequest
from django.test import Client, TestCase
from django_otp import login as otp_login
from django_otp.oath import TOTP, hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.demo import World, build_world
from accounts.models import Organisation, User
from accounts.otp import needs_second_factor
from audit.models import AuditEvent

PASSWORD = "correct horse battery staple"  # noqa: S105


def audit_lock_queries() -> int:
    """Appending to the audit chain takes an advisory lock on PostgreSQL (one more query)."""
    return 1 if connection.vendor == "postgresql" else 0


def confirmed_app_of(user: User) -> TOTPDevice:
    """The persona's authenticator app (one confirmed TOTP device), made on first use."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="テスト端末", confirmed=True)


def app_code(device: TOTPDevice) -> str:
    """The code the persona's app shows now, as a worker would type it: the current time step,
    or the next one when the current step's code was already used (django-otp accepts a step
    once), waiting for the next step when even that is beyond the device's tolerance."""
    while True:
        now = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        step = max(now.t(), device.last_t + 1)
        if step <= now.t() + device.tolerance:
            return str(hotp(device.bin_key, step, digits=device.digits)).zfill(device.digits)
        time.sleep(device.step - time.time() % device.step + 0.05)


def sign_in(client: Client, user: User, *, password: str = PASSWORD, next_url: str = "") -> Any:
    """Sign in through the pages, as a worker does: the password, then the app's code when the
    user needs the second factor. Returns the answer to the last step, redirects followed."""
    query = f"?next={next_url}" if next_url else ""
    device = confirmed_app_of(user) if needs_second_factor(user) else None
    response = client.post(f"/login/{query}", {"username": user.username, "password": password})
    if device is None or response.status_code != 302 or "/login/code/" not in response["Location"]:
        return (
            client.get(response["Location"], follow=True)
            if response.status_code == 302
            else response
        )
    device.refresh_from_db()
    return client.post(response["Location"], {"code": app_code(device)}, follow=True)


class VerifiedClient(Client):
    """A test client whose force_login also passes the second factor when the user needs it."""

    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        if not needs_second_factor(user):
            return
        request = HttpRequest()
        request.session = self.session
        request.user = user
        otp_login(request, confirmed_app_of(user))
        request.session.save()


class BaseTestCase(TestCase):
    client_class = VerifiedClient

    soudan: User
    douryou: User
    admin: User
    kansa: User
    toukei: User
    houkatsu: User
    minato: User
    world: World
    window: Organisation
    minato_window: Organisation

    @classmethod
    def setUpTestData(cls) -> None:
        world = build_world(password=PASSWORD, demo=False)
        cls.world = world
        for username in ("soudan", "douryou", "admin", "kansa", "toukei", "houkatsu", "minato"):
            setattr(cls, username, world.staff[username])
        cls.window = world.organisations["window"]
        cls.minato_window = world.organisations["minato"]

    def login(self, user: User) -> None:
        self.client.force_login(user)

    def audit_rows(self, **filters: Any) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(**filters).order_by("id"))
