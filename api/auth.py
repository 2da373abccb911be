from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, User, token_digest
from accounts.throttle import login_is_throttled
from audit.models import AuditEvent
from audit.services import audit_record, client_ip


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal token from `manage.py create_api_token`."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token), revoked_at__isnull=True, user__is_active=True)
            .first()
        )
        if api_token is None or (api_token.user.is_demo and not settings.DEMO_MODE):
            # Once an address is throttled its further failures add nothing to the log but noise.
            if not login_is_throttled("", client_ip(request)):
                audit_record(
                    action=AuditEvent.Action.LOGIN_FAILED,
                    request=request,
                    detail={"reason": "invalid_api_token"},
                )
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user
