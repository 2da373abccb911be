"""Login throttling, read from the audit log's failed-login rows (shared by all app servers)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import login_subject

# One address may fail for several accounts (a shared office terminal), so it gets more room.
ADDRESS_LIMIT_FACTOR = 4


def login_is_throttled(username: str, ip_address: str | None) -> bool:
    since = timezone.now() - timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    failures = AuditEvent.objects.filter(action=AuditEvent.Action.LOGIN_FAILED, at__gte=since)
    limit = settings.LOGIN_FAILURE_LIMIT
    if failures.filter(subject=login_subject(username)).count() >= limit:
        return True
    address_limit = limit * ADDRESS_LIMIT_FACTOR
    return bool(ip_address) and failures.filter(ip_address=ip_address).count() >= address_limit
