"""The inbox (お知らせ): one's own notifications, a page at a time; opening one marks it read.

Every staff member has an inbox, whatever their rights; another user's notification answers 404
like a record that does not exist. The rows hold no personal data (notifications.models), yet the
page is audited like every list, naming the rows shown.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.access import audit_list_read, request_user, visible_to
from accounts.models import User
from notifications.forms import InboxFilterForm
from notifications.models import Notification
from notifications.services import mark_all_read, notification_open
from tsunagu.listing import PAGE_SIZE, ListPage, Sort, parse_page, sql_ordering

# Newest first, always: an inbox has one order (the id breaks ties of the same instant).
NEWEST_FIRST = Sort("created", "日時", ("created_at",))
LIST_FIELDS = ("kind", "message", "created_at", "read_at")


def own_notifications(user: User) -> QuerySet[Notification]:
    return visible_to(user, Notification.objects.all())


def notification_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    filters = InboxFilterForm(request.GET)
    queryset = filters.apply(own_notifications(user)).order_by(
        *sql_ordering(NEWEST_FIRST, descending=True)
    )
    number = parse_page(request.GET.get("page"))
    records = list(queryset[(number - 1) * PAGE_SIZE : number * PAGE_SIZE])
    audit_list_read(user, records, model=Notification, request=request, fields=LIST_FIELDS)
    kept = request.GET.copy()
    kept.pop("page", None)
    listing = ListPage(
        records, queryset.count(), number, PAGE_SIZE, NEWEST_FIRST, True, (NEWEST_FIRST,), kept
    )
    return render(
        request,
        "notifications/notification_list.html",
        {"listing": listing, "filters": filters, "notifications": records},
    )


@require_POST
def notification_open_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    notification = get_object_or_404(own_notifications(user), pk=pk)
    try:
        url = notification_open(notification=notification, user=user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("notification_list")
    return redirect(url)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    count = mark_all_read(user=request_user(request))
    messages.success(
        request,
        f"{count}件のお知らせを既読にしました。" if count else "未読のお知らせはありません。",
    )
    return redirect("notification_list")
