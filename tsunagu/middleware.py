"""Response headers that every page and API answer carries."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import patch_cache_control

# Staff pages never need the camera, microphone, location and the like; a page that asked would
# be an injected script's doing.
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "payment=(), usb=(), browsing-topics=()"
)


class PrivacyHeadersMiddleware:
    """`Cache-Control: no-store` on everything a signed-in user or an API client receives.

    Pages, API answers and exports hold personal data: no browser, shared proxy or "back" button
    cache may keep a copy on an office computer. Public pages (ibasho calendar, where to
    consult) keep their own caching.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if _is_private(request):
            patch_cache_control(response, no_store=True, private=True)
            response.headers.pop("Expires", None)
        return response


def _is_private(request: HttpRequest) -> bool:
    if request.path.startswith(settings.API_PATH_PREFIX):
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)
