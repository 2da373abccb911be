"""The base test case: the demo world's organisations and personas, built once per class.

Personas (see accounts/demo.py): `soudan` the consultation worker at つなぐ市's window, `douryou`
a colleague in the same office, `admin` its administrator, `kansa` its auditor, `toukei` its
statistics clerk, `houkatsu` a worker of a partner agency (地域包括支援センター), `minato` a worker
of another municipality whose records must stay invisible.
"""

from typing import Any

from django.db import connection
from django.test import TestCase

from accounts.demo import World, build_world
from accounts.models import Organisation, User
from audit.models import AuditEvent

PASSWORD = "correct horse battery staple"  # noqa: S105


def audit_lock_queries() -> int:
    """Appending to the audit chain takes an advisory lock on PostgreSQL (one more query)."""
    return 1 if connection.vendor == "postgresql" else 0


class BaseTestCase(TestCase):
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
