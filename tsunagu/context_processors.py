"""The navigation: only the areas that exist and that the user may use (no dead links)."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.roles import Right
from notifications.context_processors import unread_notifications

# label, url name, the rights of which one is needed (empty: every staff member)
AREAS: list[tuple[str, str, tuple[Right, ...]]] = [
    ("ホーム", "home", ()),
    ("お知らせ", "notification_list", ()),
    ("本人・家族", "person_list", (Right.VIEW_PERSONAL_DATA,)),
    ("世帯", "household_list", (Right.VIEW_PERSONAL_DATA,)),
    ("相談受付", "consultation_day", (Right.VIEW_PERSONAL_DATA,)),
    ("ケース", "case_list", (Right.VIEW_PERSONAL_DATA,)),
    ("見守りリスト", "watch_list", (Right.VIEW_PERSONAL_DATA,)),
    ("地域資源", "agency_list", (Right.VIEW_PERSONAL_DATA,)),
    ("つなぎ", "referral_list", (Right.VIEW_PERSONAL_DATA,)),
    ("会議", "meeting_list", (Right.VIEW_PERSONAL_DATA,)),
    ("共有されたケース", "shared_list", (Right.VIEW_PERSONAL_DATA,)),
    ("専門的助言", "advice_list", (Right.VIEW_PERSONAL_DATA,)),
    ("居場所", "community_place_list", (Right.RUN_IBASHO, Right.VIEW_PERSONAL_DATA)),
    ("居場所の集計", "community_figures", (Right.VIEW_STATISTICS,)),
    ("サポーター", "supporter_list", (Right.VIEW_PERSONAL_DATA,)),
    ("派遣予定", "my_dispatches", (Right.VIEW_OWN_DISPATCHES,)),
    ("取込", "consultation_import", (Right.EDIT_PERSONAL_DATA,)),
    ("統計", "reports_index", (Right.VIEW_STATISTICS,)),
    ("重複の確認", "duplicate_queue", (Right.MERGE_RECORDS,)),
    ("機関・委託", "organisations", ()),
    ("職員管理", "staff_list", (Right.MANAGE_STAFF,)),
    ("機関・契約の管理", "administration", (Right.MANAGE_STAFF,)),
    ("監査ログ", "audit_log", (Right.VIEW_AUDIT_LOG,)),
]


# Menu entries that show a count (filled in by htmx from `menu_counts`).
BADGES = {"home": "home", "watch_list": "watch", "notification_list": "inbox"}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO_MODE,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
    if user is None or not user.is_authenticated:
        return context
    context["nav_areas"] = [
        {
            "label": label,
            "url": reverse(name),
            "active": request.path == reverse(name),
            "badge": BADGES.get(name, ""),
        }
        for label, name, rights in AREAS
        if not rights or any(user.has_right(right) for right in rights)
    ]
    context.update(unread_notifications(request))  # lazy: no query unless a page shows it
    return context
