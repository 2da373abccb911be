"""Re-authentication before risky actions: exports of personal data (the consent form and the
disclosure record PDFs), merges, role changes, the audit export, the administrator's resets of a
worker's password or second factor, new recovery codes.

The session remembers when its user last proved who they are (the sign-in, or the
「パスワードの再入力」 page). A view wrapped in `require_recent_authentication` runs only when
that was less than `max_age` seconds ago (settings.REAUTH_SECONDS by default); otherwise the
user enters the password again (and the code, for staff with the second factor) and comes back to
the same page. A POST is kept, encrypted in the session, and after the re-entry the page asks to
press the button once more with the same input (a browser cannot be made to re-send a POST
without a click, and no script runs on these pages).
"""

import json
import math
import time
from collections.abc import Callable, Collection
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.forms import ReauthenticationForm
from accounts.models import User
from accounts.otp import (
    CODE_WAIT_MESSAGE,
    WRONG_CODE_MESSAGE,
    SecondFactorAudit,
    audit_second_factor,
    check_code,
    has_confirmed_app,
    needs_second_factor,
)
from accounts.throttle import login_attempt
from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.fields import decrypt, encrypt

AUTHENTICATED_AT_SESSION_KEY = "tsunagu_authenticated_at"
KEPT_ACTION_SESSION_KEY = "tsunagu_reauth_kept_post"
WRONG_PASSWORD_MESSAGE = "パスワードが正しくありません。"  # noqa: S105 (a message)
REAUTH_THROTTLED_MESSAGE = (
    "パスワードの誤りが続いたため、%(minutes)s分ほど待ってから入力してください。"
    "急ぐときは、所属機関の管理者に制限の解除を依頼してください。"
)
REAUTH_REASON = "reauthenticated"

View = Callable[..., HttpResponse]


@receiver(user_logged_in)
def note_sign_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """A sign-in is a proof of identity: risky actions right after it ask nothing more."""
    mark_recent_authentication(request)


def mark_recent_authentication(request: HttpRequest) -> None:
    request.session[AUTHENTICATED_AT_SESSION_KEY] = int(time.time())


def authenticated_recently(request: HttpRequest, max_age: int) -> bool:
    at = request.session.get(AUTHENTICATED_AT_SESSION_KEY)
    return isinstance(at, int) and time.time() - at < max_age


def require_recent_authentication(
    view: View | None = None, *, max_age: int | None = None, methods: Collection[str] = ()
) -> Any:
    """Decorate a view so that it runs only after a recent proof of identity (see the module).
    `methods` limits the check to those methods (e.g. only the POST that saves)."""

    def decorate(view_func: View) -> View:
        @wraps(view_func)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            checked = not methods or request.method in methods
            seconds = settings.REAUTH_SECONDS if max_age is None else max_age
            if checked and not authenticated_recently(request, seconds):
                return _ask_again(request)
            return view_func(request, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate


def _ask_again(request: HttpRequest) -> HttpResponseRedirect:
    if request.method == "POST":
        data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
        text = json.dumps(data, ensure_ascii=False)
        if len(text.encode()) <= settings.KEPT_FORM_MAX_BYTES:
            # The input may name a person: encrypted at rest like the idle-timeout form.
            request.session[KEPT_ACTION_SESSION_KEY] = {"path": request.path, "data": encrypt(text)}
        back = request.path
    else:
        back = request.get_full_path()
    return HttpResponseRedirect(f"{reverse('reauth')}?{urlencode({'next': back})}")


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _kept_action(request: HttpRequest, path: str) -> list[tuple[str, str]] | None:
    kept = request.session.pop(KEPT_ACTION_SESSION_KEY, None)
    if not kept or kept.get("path") != path.split("?")[0]:
        return None
    data: dict[str, list[str]] = json.loads(decrypt(kept["data"]))
    return [(key, value) for key, values in data.items() for value in values]


def reauth(request: HttpRequest) -> HttpResponse:
    """「パスワードの再入力」: the password (and code), then back to the risky action."""
    user: User = request.user  # type: ignore[assignment]
    back = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    with_code = needs_second_factor(user) and has_confirmed_app(user)
    form = ReauthenticationForm(request.POST or None, with_code=with_code)
    if request.method == "POST" and form.is_valid() and _identity_proven(request, user, form):
        mark_recent_authentication(request)
        audit_record(
            action=AuditEvent.Action.LOGIN,
            actor=user,
            request=request,
            detail={"reason": REAUTH_REASON},
        )
        kept = _kept_action(request, back)
        if kept is None:
            return redirect(back)
        messages.info(request, "本人確認ができました。もう一度ボタンを押すと、操作を続けます。")
        return render(request, "accounts/reauth_continue.html", {"action": back, "fields": kept})
    return render(request, "accounts/reauth.html", {"form": form, "next": back})


def _identity_proven(request: HttpRequest, user: User, form: ReauthenticationForm) -> bool:
    """Check the password (throttled like the sign-in) and the code; errors go on the form."""
    attempt = login_attempt(request, user.username)
    if wait := attempt.wait_seconds():
        attempt.note_refused()
        form.add_error(None, _throttled(wait))
        return False
    if not user.check_password(form.cleaned_data["password"]):
        audit_record(
            action=AuditEvent.Action.LOGIN_FAILED,
            actor=user,
            request=request,
            obj=user,
            detail={"reason": "reauth_password"},
        )
        if wait := attempt.record_failure():
            form.add_error(None, _throttled(wait))
        else:
            form.add_error("password", WRONG_PASSWORD_MESSAGE)
        return False
    if "code" in form.fields:
        check = check_code(user=user, code=form.cleaned_data["code"])
        if check.device is None:
            audit_second_factor(request, user, SecondFactorAudit.FAILED)
            if check.wait_seconds:
                form.add_error("code", CODE_WAIT_MESSAGE % {"seconds": check.wait_seconds})
            else:
                form.add_error("code", WRONG_CODE_MESSAGE)
            return False
    attempt.record_success()
    return True


def _throttled(wait_seconds: int) -> str:
    return REAUTH_THROTTLED_MESSAGE % {"minutes": max(1, math.ceil(wait_seconds / 60))}
