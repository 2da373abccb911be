"""The second factor's pages: the code after the password, enrolling an app, recovery codes,
and the administrator's reset (accounts.otp holds the rules)."""

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.access import get_for_user
from accounts.forms import EnrolmentForm, SecondFactorForm, SecondFactorResetForm
from accounts.known_devices import remember_device
from accounts.models import User
from accounts.otp import (
    CODE_WAIT_MESSAGE,
    WRONG_CODE_MESSAGE,
    CodeCheck,
    SecondFactorAudit,
    audit_second_factor,
    check_code,
    confirm_enrolment,
    confirmed_app,
    enrolment_device,
    manual_key,
    mark_verified,
    needs_second_factor,
    qr_svg,
    renew_recovery_codes,
    reset_second_factor,
    session_is_verified,
)
from accounts.reauth import require_recent_authentication
from accounts.roles import Right


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME, "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _refuse_code(form: SecondFactorForm | EnrolmentForm, check: CodeCheck) -> None:
    if check.wait_seconds:
        form.add_error("code", CODE_WAIT_MESSAGE % {"seconds": check.wait_seconds})
    else:
        form.add_error("code", WRONG_CODE_MESSAGE)


def totp_verify(request: HttpRequest) -> HttpResponse:
    """After the password: the app's code or a recovery code, then on to where the user was
    going."""
    user: User = request.user  # type: ignore[assignment]
    back = _next(request)
    if session_is_verified(request):
        return redirect(back)
    if confirmed_app(user) is None:
        return redirect(f"{reverse('totp_enrol')}?{REDIRECT_FIELD_NAME}={back}")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = check_code(user=user, code=form.cleaned_data["code"])
        if check.device is not None:
            return _verified(request, user, check, back)
        audit_second_factor(request, user, SecondFactorAudit.FAILED)
        _refuse_code(form, check)
    return render(request, "registration/totp_verify.html", {"form": form, "next": back})


def _verified(request: HttpRequest, user: User, check: CodeCheck, back: str) -> HttpResponse:
    assert check.device is not None
    mark_verified(request, check.device)
    if check.recovery_codes_left is None:
        audit_second_factor(request, user, SecondFactorAudit.VERIFIED)
    else:
        audit_second_factor(
            request, user, SecondFactorAudit.RECOVERY_USED, left=check.recovery_codes_left
        )
        messages.warning(
            request,
            f"リカバリーコードでログインしました（残り{check.recovery_codes_left}個）。"
            "スマートフォンを失くしたときは、管理者に認証アプリのリセットを依頼してください。",
        )
    response = redirect(back)
    # Only now, after both factors, is this browser a known device of the account.
    remember_device(request, response, user)
    return response


def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code; the
    recovery codes are shown once, on the answer to that confirmation."""
    user: User = request.user  # type: ignore[assignment]
    back = _next(request)
    if not needs_second_factor(user):
        return redirect(back)
    if confirmed_app(user) is not None:
        # A second app, or a new phone, goes through the administrator's reset.
        return redirect(back if session_is_verified(request) else reverse("totp_verify"))
    device = enrolment_device(user)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = check_code(user=user, code=form.cleaned_data["code"], enrolling=device)
        if check.device is not None:
            codes = confirm_enrolment(request=request, user=user, device=device)
            response = render(
                request, "accounts/recovery_codes.html", {"codes": codes, "next": back}
            )
            remember_device(request, response, user)
            return response
        _refuse_code(form, check)
    context = {"form": form, "next": back, "qr": qr_svg(device), "key": manual_key(device)}
    return render(request, "registration/totp_enrol.html", context)


@require_POST
@require_recent_authentication
def account_recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes for the user's own account (the old ones stop working), shown once."""
    user: User = request.user  # type: ignore[assignment]
    if confirmed_app(user) is None:
        messages.error(request, "認証アプリを登録してから、リカバリーコードを作ってください。")
        return redirect("account")
    codes = renew_recovery_codes(user=user, request=request)
    return render(
        request, "accounts/recovery_codes.html", {"codes": codes, "next": reverse("account")}
    )


@require_POST
@require_recent_authentication
def staff_totp_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator removes a worker's app and recovery codes, with a reason (audited);
    the worker's sessions end and they enrol again at the next sign-in."""
    user: User = request.user  # type: ignore[assignment]
    staff = get_for_user(
        user,
        User.objects.prefetch_related("staff_roles"),
        pk,
        right=Right.MANAGE_STAFF,
        request=request,
        fields=("display_name", "username"),
    )
    form = SecondFactorResetForm(request.POST)
    try:
        reason = form.cleaned_data["reason"] if form.is_valid() else ""
        reset_second_factor(staff=staff, by=user, reason=reason, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{staff} さんの認証アプリとリカバリーコードをリセットしました。"
            "次のログインで認証アプリを登録し直します。",
        )
    return redirect("staff_detail", pk=staff.pk)
