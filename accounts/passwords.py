"""The administrator's password reset: the old password stops working at once, and the worker
sets a new one through a one-time link (no e-mail: the administrator hands the link over).

The link is the administration's one-time set-password link (accounts.administration, the same
as for the first administrator): Django's password-reset token, signed with SECRET_KEY over the
password hash and the last login, so it works once and for PASSWORD_RESET_TIMEOUT at most. The
new password passes the password policy (AUTH_PASSWORD_VALIDATORS) like any other.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.administration.installation import set_password_path
from accounts.models import User
from accounts.services import revoke_api_tokens
from audit.models import AuditEvent
from audit.services import audit_record

PASSWORD_RESET_REASON = "password_reset_by_administrator"  # noqa: S105 (a reason)
REASON_REQUIRED_MESSAGE = "再設定の理由を入力してください。"


def password_reset_by_administrator(
    *, staff: User, by: User, reason: str, request: HttpRequest
) -> str:
    """End the worker's password, sessions and tokens; the one-time link (a path) to set a new
    one. Audited with the reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(REASON_REQUIRED_MESSAGE)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk)
        current.set_unusable_password()
        current.credential_epoch += 1
        current.save(update_fields=["password", "credential_epoch"])
        revoke_api_tokens(user=current, reason=PASSWORD_RESET_REASON, by=by, request=request)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            fields=["password"],
            detail={"reason": PASSWORD_RESET_REASON, "note": reason},
        )
    return set_password_path(current)
