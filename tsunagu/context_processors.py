"""The navigation: only the areas that exist and that the user may use (no dead links).

The menu is grouped by the worker's tasks (docs/design.md「メニュー」): ホーム and お知らせ
first, then 相談・ケース, 連携, 地域, 集計 and 管理. A group without an entry for the user is
left out, so the auditor sees no empty 相談・ケース.
"""

from typing import Any, NamedTuple

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import User
from accounts.otp import needs_second_factor, session_is_verified
from accounts.roles import Right
from notifications.context_processors import unread_notifications


class Area(NamedTuple):
    label: str
    url_name: str
    # The rights of which one is needed (empty: every staff member).
    rights: tuple[Right, ...] = ()


PERSONAL = (Right.VIEW_PERSONAL_DATA,)

# The entries before the groups: what every worker opens first thing in the morning.
START: list[Area] = [Area("ホーム", "home"), Area("お知らせ", "notification_list")]

GROUPS: list[tuple[str, list[Area]]] = [
    (
        "相談・ケース",
        [
            Area("本人・家族", "person_list", PERSONAL),
            Area("世帯", "household_list", PERSONAL),
            Area("相談受付", "consultation_day", PERSONAL),
            Area("ケース", "case_list", PERSONAL),
            Area("見守りリスト", "watch_list", PERSONAL),
            Area("つなぎ", "referral_list", PERSONAL),
            Area("取込", "consultation_import", (Right.EDIT_PERSONAL_DATA,)),
            Area("重複の確認", "duplicate_queue", (Right.MERGE_RECORDS,)),
        ],
    ),
    (
        "連携",
        [
            Area("地域資源", "agency_list", PERSONAL),
            Area("会議", "meeting_list", PERSONAL),
            Area("共有されたケース", "shared_list", PERSONAL),
            Area("専門的助言", "advice_list", PERSONAL),
        ],
    ),
    (
        "地域",
        [
            Area("居場所", "community_place_list", (Right.RUN_IBASHO, Right.VIEW_PERSONAL_DATA)),
            Area("居場所の集計", "community_figures", (Right.VIEW_STATISTICS,)),
            Area("サポーター", "supporter_list", PERSONAL),
            Area("受入先", "host_list", PERSONAL),
            Area("派遣予定", "my_dispatches", (Right.VIEW_OWN_DISPATCHES,)),
        ],
    ),
    ("集計", [Area("統計", "reports_index", (Right.VIEW_STATISTICS,))]),
    (
        "管理",
        [
            Area("機関・委託", "organisations"),
            Area("職員管理", "staff_list", (Right.MANAGE_STAFF,)),
            Area("機関・契約の管理", "administration", (Right.MANAGE_STAFF,)),
            Area("監査ログ", "audit_log", (Right.VIEW_AUDIT_LOG,)),
        ],
    ),
]

# Every entry in menu order.
AREAS: list[Area] = START + [area for _, areas in GROUPS for area in areas]

# Menu entries that show a count (filled in by htmx from `menu_counts`).
BADGES = {"home": "home", "watch_list": "watch", "notification_list": "inbox"}


def may_use(user: User, area: Area) -> bool:
    return not area.rights or any(user.has_right(right) for right in area.rights)


def current_url(path: str, urls: list[str]) -> str:
    """The entry the page belongs to: its own URL, or else the longest entry URL it lies under
    (a case's page belongs to ケース, /persons/duplicates/ to 重複の確認 rather than 本人・家族).
    ホーム ("/") is current only on itself, since every path lies under it."""
    if path in urls:
        return path
    under = [url for url in urls if url != "/" and path.startswith(url)]
    return max(under, key=len, default="")


def menu(user: User, path: str) -> dict[str, Any]:
    """The entries and groups the user may use, with the current entry and group marked."""
    start = [area for area in START if may_use(user, area)]
    groups = [
        (label, usable)
        for label, areas in GROUPS
        if (usable := [area for area in areas if may_use(user, area)])
    ]
    urls = [reverse(area.url_name) for area in start + [a for _, areas in groups for a in areas]]
    current = current_url(path, urls)

    def entry(area: Area) -> dict[str, str]:
        url = reverse(area.url_name)
        # "page" on the entry's own page, "true" on a page within its area (a case's page).
        state = "" if url != current else "page" if url == path else "true"
        return {
            "label": area.label,
            "url": url,
            "current": state,
            "badge": BADGES.get(area.url_name, ""),
        }

    nav_start = [entry(area) for area in start]
    nav_areas = list(nav_start)  # flat, in menu order (the home page's cards)
    nav_groups: list[dict[str, Any]] = []
    for label, areas in groups:
        entries = [entry(area) for area in areas]
        nav_areas.extend(entries)
        current_group = any(item["current"] for item in entries)
        nav_groups.append({"label": label, "entries": entries, "current": current_group})
    return {"nav_start": nav_start, "nav_groups": nav_groups, "nav_areas": nav_areas}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO_MODE,
        "session_idle_minutes": settings.SESSION_IDLE_MINUTES,
    }
    if user is None or not user.is_authenticated:
        return context
    if needs_second_factor(user) and not session_is_verified(request):
        # Before the code prompt is answered: no menu (every entry would lead back to the
        # prompt), and above all no background request for its counts, which would race the
        # code's answer and could put the session cookie from before the answer back.
        context["second_factor_pending"] = True
        return context
    context.update(menu(user, request.path))
    context.update(unread_notifications(request))  # lazy: no query unless a page shows it
    return context
