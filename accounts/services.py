"""Writes that touch staff and their roles, each atomic with its audit row."""

from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
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
LAST_ADMINISTRATOR = (
    "この職員は所属機関で最後の利用中の管理者です。先にほかの職員を管理者にしてください"
    "（管理者がいなくなると、職員を管理できる人がいなくなります）。"
)
ALREADY_ACTIVE = "{staff} さんはすでに利用中です。"
ALREADY_INACTIVE = "{staff} さんはすでに利用を停止しています。"


def staff_version(staff: User) -> str:
    """A fingerprint of what the roles form edits, for optimistic locking.

    Not `tsunagu.versioning.versioned_edit`: the form edits StaffRole rows, and a user has no
    version column; the fingerprint of the account's state and roles does the comparison (a
    deactivation in between makes the form stale too)."""
    return f"{int(staff.is_active)}:" + ",".join(sorted(staff.role_codes))


def refuse_if_last_administrator(staff: User, *, stays_administrator: bool) -> None:
    """An organisation keeps at least one active administrator: nobody could manage its staff
    (nor restore an administrator) otherwise. The caller holds the lock on `staff`'s row."""
    if stays_administrator or not staff.is_active or staff.organisation_id is None:
        return
    if Role.ADMINISTRATOR not in staff.role_codes:
        return
    others = (
        User.objects.select_for_update(of=("self",))
        .filter(
            organisation_id=staff.organisation_id,
            is_active=True,
            staff_roles__role=Role.ADMINISTRATOR,
        )
        .exclude(pk=staff.pk)
    )
    # Locked, so two administrators switching each other off at once cannot both succeed.
    if not list(others.values_list("pk", flat=True)):
        raise ValidationError(LAST_ADMINISTRATOR)


def staff_set_roles(
    *,
    staff: User,
    roles: Iterable[str],
    version: str,
    by: User,
    request: HttpRequest | None = None,
) -> User:
    wanted = {Role(role).value for role in roles}
    with transaction.atomic():
        current = _locked_staff(staff)
        if staff_version(current) != version:
            raise StaleVersionError(STALE_STAFF)
        if wanted != set(current.role_codes):
            refuse_if_last_administrator(
                current, stays_administrator=Role.ADMINISTRATOR.value in wanted
            )
            StaffRole.objects.filter(user=current).exclude(role__in=wanted).delete()
            for role in wanted - set(current.role_codes):
                StaffRole.objects.create(user=current, role=role)
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                obj=current,
                fields=["roles"],
            )
    return User.objects.prefetch_related("staff_roles").get(pk=staff.pk)


def staff_set_active(
    *, staff: User, is_active: bool, by: User, request: HttpRequest | None = None
) -> User:
    """Switch the account on or off (audited). Switching off ends every session and token of
    the user for good (User.save); the last active administrator stays on.

    The plain switch: whether a worker's open work is handed over first is the hand-over's rule
    (`handover.services.staff_deactivate`), which the staff page calls."""
    with transaction.atomic():
        current = _locked_staff(staff)
        if current.is_active == is_active:
            message = ALREADY_ACTIVE if is_active else ALREADY_INACTIVE
            raise ValidationError(message.format(staff=current))
        if not is_active:
            refuse_if_last_administrator(current, stays_administrator=False)
        current.is_active = is_active
        current.save(update_fields=["is_active"], ended_by=by, request=request)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            fields=["is_active"],
        )
    return User.objects.prefetch_related("staff_roles").get(pk=staff.pk)


def _locked_staff(staff: User) -> User:
    return User.objects.select_for_update().prefetch_related("staff_roles").get(pk=staff.pk)


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
