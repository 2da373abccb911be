"""Personal token authentication, with bad tokens throttled per address (429 + Retry-After)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from accounts.models import ApiToken, User, token_digest
from accounts.throttle import api_token_attempt
from audit.models import AuditEvent
from audit.services import audit_record

THROTTLED_STATUS = 429
THROTTLED_MESSAGE = (
    "無効なAPIトークンが続いたため、このアドレスからの認証を一時的に制限しています。"
    "Retry-After の秒数だけ待ってから、もう一度お試しください。"
)


class TokenThrottled(Exception):
    """Bad tokens from this address wait `retry_after` seconds; answered 429 (api.views)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(THROTTLED_MESSAGE)
        self.retry_after = retry_after


class PersonalTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>` with a personal token from `manage.py create_api_token`.

    A valid token always works. A bad one (unknown, expired, revoked, or its owner switched off)
    is 401 and counted for the address; once the address waits, bad tokens are 429 with
    Retry-After, neither counted nor audited, so a flood adds nothing to the log. These failures
    are counted apart from the login page's.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        now = timezone.now()
        api_token = (
            ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()
        )
        reason = refusal_reason(api_token, now)
        if api_token is None or reason:
            attempt = api_token_attempt(request)
            if wait := attempt.wait_seconds():
                attempt.note_refused()
                raise TokenThrottled(wait)
            attempt.record_failure()
            audit_record(
                action=AuditEvent.Action.LOGIN_FAILED, request=request, detail={"reason": reason}
            )
            return None
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


def refusal_reason(api_token: ApiToken | None, now: Any) -> str:
    """Why this token may not be used ("" when it may): the audit row's reason."""
    if api_token is None:
        return "invalid_api_token"
    if api_token.revoked_at is not None:
        return "revoked_api_token"
    if api_token.expires_at <= now:
        return "expired_api_token"
    user = api_token.user
    if not user.is_active or (user.is_demo and not settings.DEMO_MODE):
        return "invalid_api_token"
    return ""


def throttled_body(exc: TokenThrottled) -> dict[str, str]:
    return {"detail": str(exc)}


ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def document_throttling(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the 429 answer to every operation that takes a token, in the OpenAPI document."""
    for methods in schema.get("paths", {}).values():
        for operation in methods.values():
            if not isinstance(operation, dict) or not operation.get("security"):
                continue
            operation.setdefault("responses", {})[str(THROTTLED_STATUS)] = {
                "description": "無効なトークンが続いたアドレスからの要求（Retry-After 秒待つ）",
                "headers": {
                    "Retry-After": {
                        "description": "待つ秒数",
                        "schema": {"type": "integer"},
                    }
                },
                "content": {"application/json": {"schema": ERROR_SCHEMA}},
            }
    return schema
