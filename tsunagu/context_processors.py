"""The navigation: only the areas that exist and that the user may use (no dead links)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import Right

# label, url name, the right needed (None: every staff member)
AREAS: list[tuple[str, str, Right | None]] = [
    ("ホーム", "home", None),
    ("本人・家族", "person_list", Right.VIEW_PERSONAL_DATA),
    ("世帯", "household_list", Right.VIEW_PERSONAL_DATA),
    ("相談受付", "consultation_day", Right.VIEW_PERSONAL_DATA),
    ("ケース", "case_list", Right.VIEW_PERSONAL_DATA),
    ("見守りリスト", "watch_list", Right.VIEW_PERSONAL_DATA),
    ("地域資源", "agency_list", Right.VIEW_PERSONAL_DATA),
    ("重複の確認", "duplicate_queue", Right.MERGE_RECORDS),
    ("機関・委託", "organisations", None),
    ("職員管理", "staff_list", Right.MANAGE_STAFF),
    ("監査ログ", "audit_log", Right.VIEW_AUDIT_LOG),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO_MODE,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
    if user is None or not user.is_authenticated:
        return context
    context["nav_areas"] = [
        {"label": label, "url": reverse(name), "active": request.path == reverse(name)}
        for label, name, right in AREAS
        if right is None or user.has_right(right)
    ]
    return context
