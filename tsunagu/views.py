from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.access import request_user, require_office_staff
from accounts.models import Organisation
from accounts.roles import Right
from today.work import menu_badges, todays_work
from tsunagu import styleguide as guide
from tsunagu.listing import ListPage, Sort


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


# The style page's sample table: the organisations of the user's own local government (no
# personal data), two to a page so that the paging bar shows.
SAMPLE_SORTS = (
    Sort("name", "機関名", ("name",)),
    Sort("type", "種別", ("type", "name")),
)
SAMPLE_PAGE_SIZE = 2


@require_GET
def styleguide(request: HttpRequest) -> HttpResponse:
    """The living style page: every component in each of its states, rendered by the same
    templates and rules as the pages (docs/design.md「部品（コンポーネント）」). Staff only."""
    user = request_user(request)
    require_office_staff(user, request=request)
    organisations = Organisation.objects.filter(
        local_government_id=user.organisation.local_government_id  # type: ignore[union-attr]
    )
    listing = ListPage.read_scoped(
        request, organisations, sorts=SAMPLE_SORTS, default_sort="name", size=SAMPLE_PAGE_SIZE
    )
    context = {
        "colours": guide.COLOURS,
        "type_scale": guide.TYPE_SCALE,
        "form": guide.form_with_errors(),
        "plain_form": guide.empty_form(),
        "listing": listing,
        "description_sample": guide.DESCRIPTION_SAMPLE,
        "trail": [
            ("ホーム", reverse("home")),
            ("アカウント", reverse("account")),
            ("スタイルガイド", ""),
        ],
    }
    return render(request, "styleguide.html", context)


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
