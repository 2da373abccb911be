"""Who sees and edits the host registry (rule 1f of `accounts.access`).

A host is seen by the staff of the organisation that develops it (its owner) and, when it is
shared in the prefecture, by the staff of every organisation of the same prefecture
(`participation.models.host_scope`); any other host answers 404, audited as every record's. Only
the owner's staff edit a host and its offers; a worker of another organisation who sees a shared
host is refused with 403 and may propose a change (HostSuggestion) for the owner to decide.
The registry holds no personal data; reading it takes a worker's right all the same, since only
the windows' workers place persons with hosts.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.access import get_for_user, require_right, visible_to
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from participation.models import Host, HostSuggestion, Offer

READ_RIGHT = Right.VIEW_PERSONAL_DATA
WRITE_RIGHT = Right.EDIT_PERSONAL_DATA

NOT_THE_OWNER = (
    "この受入先を編集できるのは、開拓した機関（{owner}）の職員です。"
    "変更が必要なときは「変更を提案」から提案してください。"
)


def visible_hosts(user: User) -> QuerySet[Host]:
    """The hosts `user` may know exist, with what the list and the header show."""
    return visible_to(user, Host.objects.select_related("owner__local_government"))


def visible_offers(user: User) -> QuerySet[Offer]:
    return visible_to(user, Offer.objects.select_related("host__owner"))


def can_edit_host(user: User, host: Host) -> bool:
    return host.is_owned_by(user) and user.has_right(WRITE_RIGHT)


def require_owner(user: User, host: Host, *, request: HttpRequest | None = None) -> None:
    """403 unless `user` is staff of the host's owner with the right to edit (audited)."""
    require_right(user, WRITE_RIGHT, request=request)
    if host.is_owned_by(user):
        return
    audit_record(
        action=AuditEvent.Action.DENIED,
        actor=user,
        request=request,
        obj=host,
        detail={"reason": "not_host_owner"},
    )
    raise PermissionDenied(NOT_THE_OWNER.format(owner=host.owner.name))


def load_host(
    request: HttpRequest, user: User, pk: Any, *, write: bool = False, right: Right = READ_RIGHT
) -> Host:
    """A visible host (else 404); `write`: only its owner's staff (else 403)."""
    host = get_for_user(
        user, visible_hosts(user), pk, right=WRITE_RIGHT if write else right, request=request
    )
    if write:
        require_owner(user, host, request=request)
    return host


def load_offer(request: HttpRequest, user: User, pk: Any, *, write: bool = False) -> Offer:
    """An offer of a visible host (else 404); `write`: only the host owner's staff (else 403)."""
    offer = get_for_user(
        user, visible_offers(user), pk, right=WRITE_RIGHT if write else READ_RIGHT, request=request
    )
    if write:
        require_owner(user, offer.host, request=request)
    return offer


def load_suggestion(request: HttpRequest, user: User, pk: Any) -> HostSuggestion:
    """A suggestion on a host of the user's own organisation, for the owner to decide (a
    suggestion on another organisation's host answers 404, a visible one without the right 403)."""
    suggestions = HostSuggestion.objects.select_related("host__owner", "suggested_by")
    return get_for_user(user, suggestions, pk, right=WRITE_RIGHT, request=request)
