"""Known devices: a browser where an account signed in carries a signed cookie saying so.

After a successful sign-in the browser gets (or keeps) a random device id for that account,
signed with SECRET_KEY so that it cannot be forged or moved to another account. Sign-in attempts
for that account from that browser are throttled by their own failures only (accounts.throttle),
so a stranger guessing the password elsewhere cannot keep the real user out. One browser may be
known for a few accounts (a shared office terminal); the oldest is dropped beyond that.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

from accounts.models import User

KNOWN_DEVICE_COOKIE = "tsunagu_device"
KNOWN_DEVICE_SALT = "accounts.known_devices"
ACCOUNTS_PER_DEVICE = 5


def _entries(request: HttpRequest) -> dict[str, str]:
    """{user id: device id} from the cookie; empty when missing, expired, forged or malformed."""
    max_age = settings.KNOWN_DEVICE_DAYS * 24 * 3600
    try:
        value = request.get_signed_cookie(
            KNOWN_DEVICE_COOKIE, salt=KNOWN_DEVICE_SALT, max_age=max_age
        )
    except (KeyError, signing.BadSignature):
        return {}
    if not value:
        return {}
    entries = {}
    for entry in value.split(","):
        user_id, _, device_id = entry.partition(":")
        if user_id.isdigit() and device_id:
            entries[user_id] = device_id
    return entries


def known_device_for(request: HttpRequest, user_id: int) -> str | None:
    """This browser's device id for the account, if the account signed in here before."""
    return _entries(request).get(str(user_id))


def remember_device(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Mark this browser as known for `user` (keeping its id if it had one), renewed each time."""
    entries = _entries(request)
    device_id = entries.pop(str(user.pk), None) or secrets.token_urlsafe(16)
    kept = [*list(entries.items())[-(ACCOUNTS_PER_DEVICE - 1) :], (str(user.pk), device_id)]
    response.set_signed_cookie(
        KNOWN_DEVICE_COOKIE,
        ",".join(f"{user_id}:{device}" for user_id, device in kept),
        salt=KNOWN_DEVICE_SALT,
        max_age=settings.KNOWN_DEVICE_DAYS * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=settings.PRODUCTION,
    )
