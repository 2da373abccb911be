from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import request_user
from accounts.roles import Right
from today.work import menu_badges, todays_work


def home(request: HttpRequest) -> HttpResponse:
    """Today's work of the signed-in user (today/work.py), then what the role may do."""
    user = request_user(request)
    rights = [right for right in Right if user.has_right(right)]
    work = todays_work(user, request=request)
    return render(request, "home.html", {"rights": rights, "work": work})


@require_GET
def menu_counts(request: HttpRequest) -> HttpResponse:
    """The menu's badges, fetched by htmx after the page has loaded (so that no page pays for
    them in its own queries): what is due today and the watch list's size. Without JavaScript
    the menu simply has no numbers."""
    user = request_user(request)
    counts = menu_badges(user)
    return render(request, "components/menu_counts.html", {"counts": counts})


@login_not_required
@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "403_csrf.html", status=403)
