from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from accounts.access import is_office_staff
from accounts.forms import PasswordResetByAdministratorForm, StaffLoginForm
from accounts.known_devices import remember_device
from accounts.middleware import KEPT_FORM_SESSION_KEY, LAST_USER_COOKIE
from accounts.models import ApiToken, Contract, Organisation, User
from accounts.otp import (
    has_confirmed_app,
    needs_second_factor,
    recovery_codes_left,
    session_is_verified,
)
from accounts.passwords import password_reset_by_administrator
from accounts.reauth import require_recent_authentication
from accounts.services import TokenRevocation, own_token, revoke_api_token
from accounts.staff.views import managed_staff


@method_decorator(login_not_required, name="dispatch")
class LoginView(auth_views.LoginView):
    form_class = StaffLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        context = super().get_context_data(**kwargs)
        context["form_kept"] = KEPT_FORM_SESSION_KEY in self.request.session
        return context

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        if isinstance(form, StaffLoginForm) and form.attempt is not None:
            form.attempt.record_success()
        user = form.get_user()
        if needs_second_factor(user) and not session_is_verified(self.request):
            # The code comes next; the browser becomes a known device only after it.
            step = "totp_verify" if has_confirmed_app(user) else "totp_enrol"
            response = redirect_to_login(self.get_success_url(), login_url=reverse(step))
        else:
            remember_device(self.request, response, user)
        response.set_signed_cookie(
            LAST_USER_COOKIE,
            str(form.get_user().pk),
            max_age=24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=settings.PRODUCTION,
        )
        return response


class LogoutView(auth_views.LogoutView):
    """Logging out flushes the session row on the server (Django's logout), not only the
    cookie: a copied session cookie is dead afterwards."""


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password ends the user's other sessions and revokes their tokens (User.save);
    this session goes on (Django updates its hash)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("account")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(
            self.request,
            "パスワードを変更しました。ほかの端末のログインとAPIトークンはすべて無効になりました。",
        )
        return response


@require_POST
@require_recent_authentication
def staff_password_reset(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator ends a worker's password and gets a one-time link to hand over."""
    user: User = request.user  # type: ignore[assignment]
    staff = managed_staff(request, pk)
    form = PasswordResetByAdministratorForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        path = password_reset_by_administrator(staff=staff, by=user, reason=reason, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("staff_detail", pk=staff.pk)
    context = {
        "staff": staff,
        "link": request.build_absolute_uri(path),
        "hours": settings.PASSWORD_RESET_TIMEOUT // 3600,
    }
    return render(request, "accounts/password_link.html", context)


def account(request: HttpRequest) -> HttpResponse:
    """The user's own account: password, second factor and their API tokens (revocable here)."""
    user: User = request.user  # type: ignore[assignment]
    tokens = ApiToken.objects.filter(user=user)
    context = {
        "tokens": tokens,
        "token_days": settings.API_TOKEN_DAYS,
        "has_app": has_confirmed_app(user),
        "recovery_codes_left": recovery_codes_left(user),
        "shows_styleguide": is_office_staff(user),
    }
    return render(request, "accounts/account.html", context)


@require_POST
def account_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    api_token = own_token(user, pk)
    if revoke_api_token(
        api_token=api_token, reason=TokenRevocation.BY_OWNER, by=user, request=request
    ):
        messages.success(request, f"APIトークン #{api_token.pk} を失効させました。")
    else:
        messages.info(request, f"APIトークン #{api_token.pk} はすでに失効しています。")
    return redirect("account")


def organisations(request: HttpRequest) -> HttpResponse:
    """Agencies of the user's prefecture and its municipalities, with their contracts."""
    user: User = request.user  # type: ignore[assignment]
    government = user.organisation.local_government if user.organisation else None
    prefecture_id = government.prefecture_id or government.pk if government else None
    organisation_list = (
        Organisation.objects.filter(
            Q(local_government_id=prefecture_id) | Q(local_government__prefecture_id=prefecture_id)
        )
        .select_related("local_government")
        .prefetch_related(
            Prefetch(
                "contracts_taken",
                queryset=Contract.objects.select_related("commissioner"),
            )
        )
    )
    return render(request, "accounts/organisations.html", {"organisations": organisation_list})
