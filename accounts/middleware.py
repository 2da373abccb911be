"""Login everywhere except public views and the token-authenticated API, and the second factor
(accounts.otp) for the staff who need it: until their session is verified, a signed-in worker
reaches only the code prompt, the enrolment page and logout.

When a session has expired while a form was being typed, the POST is kept in the new session and
the user is sent to log in; after logging in as the same user, the form is shown again with the
input (see `kept_form_data`). Nothing typed is lost to the idle timeout.
"""

import json
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect, QueryDict
from django.http.response import HttpResponseBase
from django.urls import reverse

from accounts.otp import has_confirmed_app, needs_second_factor, session_is_verified
from tsunagu.fields import decrypt, encrypt

KEPT_FORM_SESSION_KEY = "tsunagu_kept_form"
LAST_USER_COOKIE = "tsunagu_last_user"
# The pages a signed-in worker reaches before the second factor.
BEFORE_SECOND_FACTOR = frozenset({"login", "logout", "totp_verify", "totp_enrol"})


class LoginRequiredMiddleware(DjangoLoginRequired):
    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponseBase | None:
        if request.path.startswith(settings.API_PATH_PREFIX):
            return None
        refused = super().process_view(request, view_func, view_args, view_kwargs)
        if refused is not None or not getattr(view_func, "login_required", True):
            return refused
        return _second_factor_pending(request)

    def handle_no_permission(self, request: HttpRequest, view_func: Any) -> HttpResponseRedirect:
        # An htmx autosave after expiry must not replace the input kept from the form itself.
        if request.method == "POST" and not request.headers.get("HX-Request"):
            _keep_form(request)
        return super().handle_no_permission(request, view_func)


def _second_factor_pending(request: HttpRequest) -> HttpResponseRedirect | None:
    """Send a signed-in worker who still owes the second factor to the code prompt (or to
    enrolment when they have no app yet), coming back here afterwards."""
    match = request.resolver_match
    if match is not None and match.url_name in BEFORE_SECOND_FACTOR:
        return None
    user = request.user
    if session_is_verified(request) or not needs_second_factor(user):  # type: ignore[arg-type]
        return None
    step = "totp_verify" if has_confirmed_app(user) else "totp_enrol"  # type: ignore[arg-type]
    back = request.get_full_path() if request.method == "GET" else "/"
    return redirect_to_login(back, login_url=reverse(step))


def _keep_form(request: HttpRequest) -> None:
    """Keep the POST of a staff member whose session expired, within a size bound.

    Only a browser where staff logged in (the signed last-user cookie, which a stranger cannot
    make) keeps a form: an anonymous visitor's POST stores nothing, so strangers cannot fill the
    session table. Expired sessions, kept forms with them, are removed by the periodic
    `clear_sessions` job (tsunagu/periodic.py).
    """
    last_user = request.get_signed_cookie(LAST_USER_COOKIE, default=None)
    if last_user is None:
        return
    data = {key: values for key, values in request.POST.lists() if key != "csrfmiddlewaretoken"}
    text = json.dumps(data, ensure_ascii=False)
    if len(text.encode()) > settings.KEPT_FORM_MAX_BYTES:
        return
    request.session[KEPT_FORM_SESSION_KEY] = {
        "path": request.path,
        # The input may hold 要配慮個人情報 (an assessment's medical history): encrypted at rest.
        "data": encrypt(text),
        "user": last_user,
    }


def kept_form_data(request: HttpRequest) -> QueryDict | None:
    """The input kept for this page when the session expired, once, for the same user only."""
    kept = request.session.get(KEPT_FORM_SESSION_KEY)
    if not kept or kept["path"] != request.path:
        return None
    del request.session[KEPT_FORM_SESSION_KEY]
    if kept["user"] != str(request.user.pk):
        return None
    data = QueryDict(mutable=True)
    for key, values in json.loads(decrypt(kept["data"])).items():
        data.setlist(key, values)
    return data
