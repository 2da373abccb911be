from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, login_subject


@receiver(user_logged_in)
def audit_login(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    audit_record(action=AuditEvent.Action.LOGIN, actor=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is not None:
        audit_record(action=AuditEvent.Action.LOGOUT, actor=user, request=request)


@receiver(user_login_failed)
def audit_login_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")
    known = User.objects.filter(username=username).values_list("pk", "organisation_id").first()
    user_id, organisation_id = known if known else ("", None)
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED,
        request=request,
        object_type="accounts.user" if known else "",
        object_id=user_id,
        organisation_id=organisation_id,
        subject=login_subject(username),
        detail={"reason": kwargs.get("reason", "invalid_credentials")},
    )
