"""Sign-in throttling that slows guessing without letting a stranger lock anyone out.

Failures are counted per key, and a key that has failed `LOGIN_FAILURE_LIMIT` times must wait
before its next attempt: 1 minute, then 2, 4, 8 … up to `LOGIN_BACKOFF_MAX_MINUTES`. Nothing is
ever locked for good, and the keys are chosen so that a stranger's failures slow only the
stranger:

- the typed account *and* the client address (a stranger elsewhere does not slow the worker);
- a known device: a browser where the account signed in before carries a signed cookie
  (accounts.known_devices); its attempts for that account count only against that device, so the
  real user keeps working whatever others try (OWASP "device cookies");
- the address alone, with more room (a shared office terminal), so that one address trying many
  names is slowed — but only the attempts from that address that come from unknown devices;
- API token failures per address, apart from the login page (api.auth).

Attempts made while a key waits are refused unread: they neither count nor lengthen the wait.
Counts are kept in the database (LoginThrottle), shared by every app server; a key is forgotten
`LOGIN_FAILURE_MEMORY_HOURS` after its last wait ended without a new failure.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.known_devices import known_device_for
from accounts.models import LoginThrottle, User
from audit.services import client_ip, login_subject

Kind = LoginThrottle.Kind

# One address may fail for several accounts (a shared office terminal), so it gets more room.
ADDRESS_LIMIT_FACTOR = 4


def _key(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def backoff_minutes(failures: int, free_failures: int) -> int:
    """The wait after the `failures`-th failure: none before the limit, then 1, 2, 4 … minutes."""
    if failures < free_failures:
        return 0
    return int(min(settings.LOGIN_BACKOFF_MAX_MINUTES, 2 ** (failures - free_failures)))


@dataclass(frozen=True)
class Counter:
    """One key whose failures are counted (a row of LoginThrottle once it has failed)."""

    kind: str
    key: str
    free_failures: int
    user_id: int | None = None
    subject: str = ""
    ip_address: str | None = None

    def rows(self) -> QuerySet[LoginThrottle]:
        return LoginThrottle.objects.filter(kind=self.kind, key=self.key)


def _memory() -> timedelta:
    return timedelta(hours=settings.LOGIN_FAILURE_MEMORY_HOURS)


def _is_forgotten(row: LoginThrottle, now: datetime) -> bool:
    quiet_since = max(row.last_failure_at, row.blocked_until or row.last_failure_at)
    return now >= quiet_since + _memory()


@dataclass(frozen=True)
class Attempt:
    """The counters one sign-in attempt (or one API token) is judged by."""

    counters: tuple[Counter, ...]

    def wait_seconds(self) -> int:
        """0 when the attempt may go ahead, else the seconds until the longest wait ends."""
        now = timezone.now()
        waits = [row.wait_seconds(now) for row in self._rows()]
        return max(waits, default=0)

    def note_refused(self) -> None:
        """An attempt refused while waiting: counted apart, never as a failure."""
        now = timezone.now()
        for counter in self.counters:
            counter.rows().filter(blocked_until__gt=now).update(refused=F("refused") + 1)

    def record_failure(self) -> int:
        """Count a failure on every counter; the seconds the attempt's keys must now wait."""
        now = timezone.now()
        longest = 0
        with transaction.atomic():
            for counter in self.counters:
                row = self._locked_row(counter, now)
                if row.wait_seconds(now):
                    continue  # a concurrent attempt started this wait: it is not extended
                row.failures += 1
                row.last_failure_at = now
                minutes = backoff_minutes(row.failures, counter.free_failures)
                row.blocked_until = now + timedelta(minutes=minutes) if minutes else None
                row.save()
                longest = max(longest, row.wait_seconds(now))
            _prune(now)
        return longest

    def record_success(self) -> None:
        """The account's own keys start afresh; the address's shared count stays."""
        own = [c for c in self.counters if c.kind in (Kind.ACCOUNT_ADDRESS, Kind.KNOWN_DEVICE)]
        for counter in own:
            counter.rows().delete()

    def _rows(self) -> list[LoginThrottle]:
        condition = Q(pk__in=[])
        for counter in self.counters:
            condition |= Q(kind=counter.kind, key=counter.key)
        return list(LoginThrottle.objects.filter(condition))

    def _locked_row(self, counter: Counter, now: datetime) -> LoginThrottle:
        row, created = LoginThrottle.objects.select_for_update().get_or_create(
            kind=counter.kind,
            key=counter.key,
            defaults={
                "user_id": counter.user_id,
                "subject": counter.subject,
                "ip_address": counter.ip_address,
                "last_failure_at": now,
            },
        )
        if not created and _is_forgotten(row, now):
            row.failures, row.refused, row.blocked_until = 0, 0, None
        return row


def _prune(now: datetime) -> None:
    # A row is surely forgotten once its last failure is older than the memory plus the longest
    # wait; removing those keeps the table as small as the current attacks.
    oldest = now - _memory() - timedelta(minutes=settings.LOGIN_BACKOFF_MAX_MINUTES)
    LoginThrottle.objects.filter(last_failure_at__lt=oldest).delete()


def login_attempt(request: HttpRequest | None, username: str) -> Attempt:
    """The counters for signing in as `username` from this request's address and browser.

    The same for a name that exists and one that does not, so the answer tells nothing about
    which names exist.
    """
    address = client_ip(request)
    subject = login_subject(username)
    user_id = User.objects.filter(username=username).values_list("pk", flat=True).first()
    device = known_device_for(request, user_id) if request is not None and user_id else None
    limit = settings.LOGIN_FAILURE_LIMIT
    if device is not None:
        return Attempt(
            (Counter(Kind.KNOWN_DEVICE, _key(str(user_id), device), limit, user_id, subject),)
        )
    pair = Counter(
        Kind.ACCOUNT_ADDRESS, _key(subject, address or ""), limit, user_id, subject, address
    )
    if not address:
        return Attempt((pair,))
    shared = Counter(Kind.ADDRESS, _key(address), limit * ADDRESS_LIMIT_FACTOR, None, "", address)
    return Attempt((pair, shared))


def api_token_attempt(request: HttpRequest) -> Attempt:
    """Bad API tokens are counted per address, apart from the login page's failures."""
    address = client_ip(request) or ""
    limit = settings.LOGIN_FAILURE_LIMIT * ADDRESS_LIMIT_FACTOR
    return Attempt((Counter(Kind.API_ADDRESS, _key(address), limit, None, "", address or None),))


def throttles_of(user_ids: list[int]) -> QuerySet[LoginThrottle]:
    """The keys of these accounts that wait now (for the administrator's page)."""
    return (
        LoginThrottle.objects.filter(user_id__in=user_ids, blocked_until__gt=timezone.now())
        .select_related("user")
        .order_by("user__username", "-blocked_until")
    )


def throttles_of_account(user: User) -> QuerySet[LoginThrottle]:
    """Every key counted for this account, waiting or not (names typed in another case too)."""
    return LoginThrottle.objects.filter(
        Q(user=user) | Q(subject=login_subject(user.username)),
        kind__in=[Kind.ACCOUNT_ADDRESS, Kind.KNOWN_DEVICE],
    )
