"""What a supporter's own login may read: their own dispatches, nothing else.

A supporter's account often belongs to another organisation than the one that dispatches them
(a contracted NPO), so the organisation scope of `accounts.access` does not apply: the basis here
is the registration linked to the account. The same answers as `accounts.access`: a dispatch that
is not theirs is 404 (audited as a refusal when it exists), a missing right 403.
"""

from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from accounts.access import audit_list_read, require_right
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record, object_type_of
from supporters.models import Dispatch

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


def own_dispatches(user: User) -> QuerySet[Dispatch]:
    return (
        Dispatch.objects.filter(supporter__user=user, supporter__user__is_active=True)
        .select_related("worker", "organisation", "report")
        .order_by("-starts_at", "-id")
    )


def list_own_dispatches(user: User, *, request: HttpRequest | None = None) -> list[Dispatch]:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    dispatches = list(own_dispatches(user))
    audit_list_read(user, dispatches, model=Dispatch, request=request, fields=SUPPORTER_VIEW_FIELDS)
    return dispatches


def get_own_dispatch(
    user: User,
    pk: Any,
    *,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = SUPPORTER_VIEW_FIELDS,
) -> Dispatch:
    require_right(user, Right.VIEW_OWN_DISPATCHES, request=request)
    try:
        dispatch = own_dispatches(user).get(pk=pk)
    except (Dispatch.DoesNotExist, ValueError, TypeError):
        if Dispatch.objects.filter(pk=pk).exists():
            audit_record(
                action=AuditEvent.Action.DENIED,
                actor=user,
                request=request,
                object_type=object_type_of(Dispatch),
                object_id=pk,
                detail={"reason": "not_own_dispatch"},
            )
        raise Http404("該当する記録がありません。") from None
    audit_record(
        action=AuditEvent.Action.READ, actor=user, request=request, obj=dispatch, fields=fields
    )
    return dispatch
