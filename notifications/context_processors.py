"""The unread count for the templates, read only where a template shows it.

Every page renders the menu, and the query counts of pages are pinned in tests: so the count is
a lazy object that runs its one COUNT the first time a template renders it (the home page and
the inbox do), and never on the pages that do not.
"""

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.services import unread_count


def unread_notifications(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: unread_count(user))}
