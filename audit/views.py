import csv

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import require_right
from accounts.models import User
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.list_forms import AUDIT_SORTS, DEFAULT_AUDIT_SORT, AuditFilterForm
from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.dates import wareki
from tsunagu.listing import ListPage

CSV_COLUMNS = [
    "ID",
    "日時",
    "操作者ID",
    "操作者",
    "操作",
    "対象の種類",
    "対象ID",
    "IPアドレス",
    "詳細",
    "ハッシュ",
]


def own_events(user: User) -> QuerySet[AuditEvent]:
    """An auditor sees the events of their own organisation's staff."""
    return AuditEvent.objects.filter(organisation_id=user.organisation_id).select_related("actor")


def audit_log(request: HttpRequest) -> HttpResponse:
    """The log one page of fifty at a time, filtered and sorted in SQL (audit.list_forms). The
    log holds ids and field names only, and a read of it is not itself logged (the export is)."""
    user: User = request.user  # type: ignore[assignment]
    require_right(user, Right.VIEW_AUDIT_LOG, request=request)
    filters = AuditFilterForm(request.GET)
    listing = ListPage.read_scoped(
        request,
        filters.apply(own_events(user)),
        sorts=AUDIT_SORTS,
        default_sort=DEFAULT_AUDIT_SORT,
    )
    return render(
        request,
        "audit/audit_log.html",
        {"filters": filters, "page": listing, "listing": listing},
    )


@require_recent_authentication
def audit_log_csv(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_right(user, Right.VIEW_AUDIT_LOG, request=request)
    filters = AuditFilterForm(request.GET)
    # An export with a filter that does not validate exports no rows, rather than more of the
    # log than was asked for.
    events = filters.apply(own_events(user)) if filters.is_valid() else AuditEvent.objects.none()
    events = events.order_by("id")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-log.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for event in events.iterator(chunk_size=2000):
        local = timezone.localtime(event.at)
        writer.writerow(
            [
                event.id,
                f"{wareki(local.date())} {local:%H:%M:%S}",
                event.actor_id or "",
                event.actor.username if event.actor else "",
                event.get_action_display(),
                event.object_type,
                event.object_id,
                event.ip_address or "",
                event.detail,
                event.hash,
            ]
        )
        count += 1
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.EXPORT,
            actor=user,
            request=request,
            object_type="audit.auditevent",
            detail={"rows": count, "filters": {k: v for k, v in request.GET.items() if v}},
        )
    return response
