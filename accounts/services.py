"""Writes that touch staff and their roles, each atomic with its audit row."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.http import Http404, HttpRequest
from django.utils import timezone

from accounts.models import ApiToken, StaffRole, User
from accounts.roles import Role
from accounts.throttle import throttles_of_account
from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.versioning import StaleVersionError

STALE_STAFF = "ほかの人が先に更新しました。最新の内容を確認してください。"


def staff_version(staff: User) -> str:
    """A fingerprint of what the roles form edits, for optimistic locking.

    Not `tsunagu.versioning.versioned_edit`: the form edits StaffRole rows and `is_active`, whose
    save takes its own arguments (switching off ends every session and token), and a user has no
    version column; the fingerprint of exactly what the form shows does the comparison."""
    return f"{int(staff.is_active)}:" + ",".join(sorted(staff.role_codes))


def staff_set_roles(
    *,
    staff: User,
    roles: Iterable[str],
    is_active: bool,
    version: str,
    by: User,
    request: HttpRequest | None = None,
) -> User:
    wanted = {Role(role).value for role in roles}
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk)
        if staff_version(current) != version:
            raise StaleVersionError(STALE_STAFF)
        changed = []
        if wanted != set(current.role_codes):
            StaffRole.objects.filter(user=current).exclude(role__in=wanted).delete()
            for role in wanted - set(current.role_codes):
                StaffRole.objects.create(user=current, role=role)
            changed.append("roles")
        if current.is_active != is_active:
            current.is_active = is_active
            # Switching off ends every session and token of the user (User.save), for good.
            current.save(update_fields=["is_active"], ended_by=by, request=request)
            changed.append("is_active")
        if changed:
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                obj=current,
                fields=changed,
            )
    return User.objects.prefetch_related("staff_roles").get(pk=staff.pk)


class TokenRevocation:
    """Why a token was revoked (the audit row's reason)."""

    BY_OWNER = "revoked_by_owner"
    BY_ADMINISTRATOR = "revoked_by_administrator"
    BY_COMMAND = "revoked_by_command"


# Messages, not secrets (S105 reads "TOKEN" in a name as a password).
TOKEN_NOT_YOURS_MESSAGE = "このAPIトークンは見つかりません。"  # noqa: S105
TOKEN_EXPIRY_IN_PAST_MESSAGE = "有効期限には今より後の日時を指定してください。"  # noqa: S105
TOKEN_FOR_INACTIVE_USER_MESSAGE = "利用停止中の職員にはAPIトークンを発行できません。"  # noqa: S105


class ApiTokenRefused(Exception):
    """A token could not be issued; the message says why, in Japanese."""


def issue_api_token(
    *, user: User, expires_at: datetime | None = None, by: User | None = None
) -> tuple[ApiToken, str]:
    """A new personal token (shown once); its expiry defaults to TSUNAGU_API_TOKEN_DAYS."""
    if not user.is_active:
        raise ApiTokenRefused(TOKEN_FOR_INACTIVE_USER_MESSAGE)
    if expires_at is not None and expires_at <= timezone.now():
        raise ApiTokenRefused(TOKEN_EXPIRY_IN_PAST_MESSAGE)
    with transaction.atomic():
        api_token, token = ApiToken.issue(user, expires_at=expires_at)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by or user,
            obj=api_token,
            detail={"expires_at": api_token.expires_at.isoformat()},
        )
    return api_token, token


def revoke_api_token(
    *, api_token: ApiToken, reason: str, by: User | None, request: HttpRequest | None = None
) -> bool:
    """Revoke one token for good; False when it was already revoked (nothing written)."""
    with transaction.atomic():
        changed = ApiToken.objects.filter(pk=api_token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if changed:
            _audit_revocation(api_token, reason=reason, by=by, request=request)
    return bool(changed)


def revoke_api_tokens(
    *, user: User, reason: str, by: User | None = None, request: HttpRequest | None = None
) -> int:
    """Revoke every token of `user` not yet revoked (expired ones too), one audit row each."""
    with transaction.atomic():
        tokens = list(
            ApiToken.objects.select_for_update(of=("self",))
            .select_related("user")
            .filter(user=user, revoked_at__isnull=True)
        )
        ApiToken.objects.filter(pk__in=[token.pk for token in tokens]).update(
            revoked_at=timezone.now()
        )
        for api_token in tokens:
            _audit_revocation(api_token, reason=reason, by=by, request=request)
    return len(tokens)


def _audit_revocation(
    api_token: ApiToken, *, reason: str, by: User | None, request: HttpRequest | None
) -> None:
    audit_record(
        action=AuditEvent.Action.UPDATE,
        actor=by,
        request=request,
        obj=api_token,
        fields=["revoked_at"],
        detail={"reason": reason, "user": api_token.user_id},
        organisation_id=None if by else api_token.user.organisation_id,
    )


def own_token(user: User, pk: int) -> ApiToken:
    """The user's own token, or the same 404 whether it is another's or missing."""
    api_token = ApiToken.objects.filter(user=user, pk=pk).first()
    if api_token is None:
        raise Http404(TOKEN_NOT_YOURS_MESSAGE)
    return api_token


def unlock_login(*, staff: User, by: User, request: HttpRequest | None = None) -> int:
    """End every sign-in wait of the account (all addresses and devices), audited."""
    with transaction.atomic():
        cleared, _ = throttles_of_account(staff).delete()
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=staff,
            detail={"reason": "login_unlocked", "cleared": cleared},
        )
    return cleared
