"""Supporters' own dispatches (rule 1c of `accounts.access`).

A supporter's login (often of a contracted NPO, not the dispatching office) sees only the
dispatches of the registration linked to it, and only the fields a supporter needs; any other
dispatch answers 404, audited.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.access import audit_list_read, audit_out_of_scope, require_right
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record

# What a supporter is shown of a dispatch: no case, no person, no address beyond the meeting point.
SUPPORTER_VIEW_FIELDS = (
    "kind",
    "starts_at",
    "ends_at",
    "meeting_point",
    "display_name",
    "briefing",
    "worker",
    "contact_phone",
    "state",
)


def own_dispatches(user: User) -> QuerySet[Any]:
    from supporters.models import Dispatch

    return (
        Dispatch.objects.filter(supporter__user=user, supporter__user__is_active=True)
        .select_related("worker", "organisation", "report")
        .order_by("-starts_at", "-id")
    )


def list_own_dispatches(user: User, *, request: HttpRequest | None = None) -> list[Any]:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    dispatches = list(own_dispatches(user))
    model = own_dispatches(user).model
    audit_list_read(user, dispatches, model=model, request=request, fields=SUPPORTER_VIEW_FIELDS)
    return dispatches


def get_own_dispatch(
    user: User,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = SUPPORTER_VIEW_FIELDS,
) -> Any:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    queryset = own_dispatches(user)
    try:
        dispatch = queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。") from None
    audit_record(
        action=AuditEvent.Action.READ, actor=user, request=request, obj=dispatch, fields=fields
    )
    return dispatch
