import csv
from datetime import datetime, time

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import require_right
from accounts.models import User
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.services import audit_record
from tsunagu.dates import wareki

PAGE_SIZE = 100
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


def _filtered_events(user: User, form: AuditFilterForm) -> QuerySet[AuditEvent]:
    """An auditor sees the events of their own organisation's staff."""
    events = AuditEvent.objects.filter(organisation_id=user.organisation_id).select_related("actor")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["action"]:
        events = events.filter(action=data["action"])
    if data["actor"]:
        events = events.filter(actor__username=data["actor"])
    if data["object_type"]:
        events = events.filter(object_type=data["object_type"])
    if data["object_id"]:
        events = events.filter(object_id=data["object_id"])
    tz = timezone.get_current_timezone()
    if data["date_from"]:
        events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tz))
    if data["date_to"]:
        events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, tz))
    return events


def audit_log(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_right(user, Right.VIEW_AUDIT_LOG, request=request)
    form = AuditFilterForm(request.GET or None)
    if not request.GET:
        form = AuditFilterForm({})
    events = _filtered_events(user, form)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_recent_authentication
def audit_log_csv(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    require_right(user, Right.VIEW_AUDIT_LOG, request=request)
    form = AuditFilterForm(request.GET)
    events = _filtered_events(user, form).order_by("id")
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
