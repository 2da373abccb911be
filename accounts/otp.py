"""The second factor: a TOTP authenticator app and one-time recovery codes (django-otp).

Who needs it: with TOTP_REQUIRED on, every staff member whose roles hold VIEW_PERSONAL_DATA, and
administrators (MANAGE_STAFF): they can give any role, their own account included, so their
account is worth as much as any worker's.
After the password they enter the app's 6-digit code (or a recovery code); without a confirmed
app they enrol one first (QR code or the key typed by hand, confirmed with a code). A code is
accepted once: django-otp's TOTPDevice keeps the time step of the last code it accepted
(`last_t`) and refuses that step and the ones before it, so a code seen over a shoulder cannot be
replayed within its window. Wrong codes make the device wait longer each time (its throttling).

A session is verified when django-otp's session key names the device that checked the code
(`django_otp.login`). Pages read only that key (no query per request): removing a device
(the administrator's reset) also ends every session of the user (User.credential_epoch), so no
session can keep a verification by a device that is gone.
"""

from base64 import b32encode
from dataclasses import dataclass

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record

APP_DEVICE_NAME = "認証アプリ"
RECOVERY_DEVICE_NAME = "リカバリーコード"

WRONG_CODE_MESSAGE = (
    "確認コードが正しくないか、すでに使われたコードです。"
    "認証アプリに次のコードが表示されたら、それを入力してください。"
)
CODE_WAIT_MESSAGE = (
    "確認コードの誤りが続いたため、%(seconds)s秒ほど待ってから入力してください。"
    "認証アプリを使えないときは、リカバリーコードを入力するか、管理者に連絡してください。"
)
RESET_REASON_REQUIRED = "リセットの理由を入力してください。"
TOTP_DIGITS = 6
# The rights whose holders sign in with the second factor.
SECOND_FACTOR_RIGHTS = frozenset({Right.VIEW_PERSONAL_DATA, Right.MANAGE_STAFF})


class SecondFactorAudit:
    """The `reason` of the audit rows written here."""

    ENROLLED = "totp_enrolled"
    VERIFIED = "totp_verified"
    RECOVERY_USED = "recovery_code_used"
    FAILED = "totp_failed"
    RECOVERY_RENEWED = "recovery_codes_renewed"
    RESET = "totp_reset"


def needs_second_factor(user: User) -> bool:
    """Whether this user must pass the second factor before any page (see the module)."""
    return settings.TOTP_REQUIRED and not user.rights.isdisjoint(SECOND_FACTOR_RIGHTS)


def session_is_verified(request: HttpRequest) -> bool:
    return DEVICE_ID_SESSION_KEY in request.session


def confirmed_app(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_app(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def enrolment_device(user: User) -> TOTPDevice:
    """The app being enrolled: the same unconfirmed key until it is confirmed (a reload of the
    page must not change the QR code the worker is scanning)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// URI as an inline SVG QR code, drawn here (no network)."""
    qr = segno.make(device.config_url, error="m")
    svg: str = qr.svg_inline(scale=4, border=2, title="認証アプリに読み取らせるQRコード")
    return svg


def manual_key(device: TOTPDevice) -> str:
    """The base32 key in groups of four, for an app that cannot read the QR code."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[index : index + 4] for index in range(0, len(key), 4))


@dataclass(frozen=True)
class CodeCheck:
    """What checking a typed code found: the device that accepted it, or why not."""

    device: Device | None = None
    wait_seconds: int = 0
    recovery_codes_left: int | None = None


def _wait_seconds(device: Device) -> int:
    allowed, data = device.verify_is_allowed()
    if allowed or not data or "locked_until" not in data:
        return 0
    return max(1, int((data["locked_until"] - timezone.now()).total_seconds() + 0.999))


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def _is_app_code(typed: str) -> bool:
    """An app's code is six digits; a recovery code is eight letters and digits."""
    return len(typed) == TOTP_DIGITS and typed.isdigit()


def _check(device: Device, typed: str) -> CodeCheck:
    if wait := _wait_seconds(device):
        return CodeCheck(wait_seconds=wait)
    with transaction.atomic():
        # Locked, so that two requests with the same code cannot both pass.
        locked = type(device).objects.select_for_update().get(pk=device.pk)
        if not locked.verify_token(typed):  # a failure lengthens the device's wait
            return CodeCheck()
    if isinstance(locked, StaticDevice):
        return CodeCheck(device=locked, recovery_codes_left=locked.token_set.count())
    return CodeCheck(device=locked)


def check_code(*, user: User, code: str, enrolling: TOTPDevice | None = None) -> CodeCheck:
    """Check a typed code against the user's confirmed app or their recovery codes; while
    enrolling, against the app being enrolled only."""
    typed = _normalised(code)
    if _is_app_code(typed):
        app = enrolling or confirmed_app(user)
        return _check(app, typed) if app is not None else CodeCheck()
    if enrolling is None and typed:
        recovery = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if recovery is not None:
            return _check(recovery, typed)
    return CodeCheck()


def mark_verified(request: HttpRequest, device: Device) -> None:
    """The session has passed the second factor; a new session key against fixation."""
    request.session.cycle_key()
    otp_login(request, device)


def audit_second_factor(request: HttpRequest, user: User, reason: str, **detail: object) -> None:
    failed = reason == SecondFactorAudit.FAILED
    audit_record(
        action=AuditEvent.Action.LOGIN_FAILED if failed else AuditEvent.Action.UPDATE,
        actor=user,
        request=request,
        obj=user,
        detail={"reason": reason, **detail},
    )


def renew_recovery_codes(*, user: User, request: HttpRequest | None = None) -> list[str]:
    """Replace the user's recovery codes with new ones (shown once, by the caller)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, defaults={"name": RECOVERY_DEVICE_NAME, "confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(settings.TOTP_RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=user,
            request=request,
            obj=user,
            detail={"reason": SecondFactorAudit.RECOVERY_RENEWED},
        )
    return codes


def confirm_enrolment(*, request: HttpRequest, user: User, device: TOTPDevice) -> list[str]:
    """The code matched: the app is the user's one confirmed app, with new recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_second_factor(request, user, SecondFactorAudit.ENROLLED)
        codes = renew_recovery_codes(user=user, request=request)
    mark_verified(request, device)
    return codes


def reset_second_factor(*, staff: User, by: User, reason: str, request: HttpRequest) -> int:
    """The administrator removes the worker's app and recovery codes (a lost phone): every
    session of the worker ends, and they enrol again at their next sign-in. Audited with the
    reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(RESET_REASON_REQUIRED)
    with transaction.atomic():
        removed, _ = TOTPDevice.objects.filter(user=staff).delete()
        StaticDevice.objects.filter(user=staff).delete()
        current = User.objects.select_for_update().get(pk=staff.pk)
        current.credential_epoch += 1
        current.save(update_fields=["credential_epoch"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            detail={"reason": SecondFactorAudit.RESET, "note": reason, "removed": removed},
        )
    return removed
