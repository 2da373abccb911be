import csv

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from accounts.access import audit_list_read, require_right, visible_to
from accounts.models import User
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.list_forms import AUDIT_SORTS, DEFAULT_AUDIT_SORT, AuditFilterForm
from audit.log_rows import LogRow, log_row
from audit.models import AuditEvent
from audit.services import audit_record
from people.access import identity_visible_q
from people.models import Person
from tsunagu.dates import wareki
from tsunagu.listing import ListPage

PERSON_KIND = "people.person"
# What a person's name on the log page reads, and so what its audit row names.
NAME_FIELDS = ("family_name", "given_name", "alias")

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
    """The log one page of fifty at a time, filtered and sorted in SQL (audit.list_forms), one
    compact row per event with its detail on demand (audit.log_rows). The log holds ids and
    field names only, and a read of it is not itself logged (the export is), except the names
    of persons it shows to an auditor who may see them (`names_shown`)."""
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
        {
            "filters": filters,
            "page": listing,
            "listing": listing,
            "rows": rows_of(request, user, listing.records),
        },
    )


def rows_of(request: HttpRequest, user: User, events: list[AuditEvent]) -> list[LogRow]:
    persons = names_shown(request, user, events)
    rows = []
    for event in events:
        person = persons.get(event.object_id) if event.object_type == PERSON_KIND else None
        rows.append(
            log_row(
                event,
                person_name=str(person) if person else "",
                person_url=reverse("person_detail", args=[person.pk]) if person else "",
            )
        )
    return rows


def names_shown(request: HttpRequest, user: User, events: list[AuditEvent]) -> dict[str, Person]:
    """The persons of the page's rows whose name `user` may see, by id as the rows store it.

    A name needs what the person's own page needs: the right to read personal data, the
    person in the user's scope (own office), and a restricted person only for the person's
    team (people.access). One query for the whole page; the names shown are a read of
    personal data, audited as one list read like any list of persons."""
    ids = {
        int(event.object_id)
        for event in events
        if event.object_type == PERSON_KIND and event.object_id.isdigit()
    }
    if not ids or not user.has_right(Right.VIEW_PERSONAL_DATA):
        return {}
    persons = list(
        visible_to(user, Person.objects.filter(pk__in=ids))
        .filter(identity_visible_q(user))
        .only("id", *NAME_FIELDS)
        .order_by("id")
    )
    if persons:
        audit_list_read(user, persons, model=Person, request=request, fields=NAME_FIELDS)
    return {str(person.pk): person for person in persons}


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
