"""Who may administer which local governments, organisations and contracts.

In plain words (rule 2 of `accounts.access`: scope first, then the right):
- The administration pages are for administrators (`Right.MANAGE_STAFF`); anyone else gets 403,
  audited, for a record they may know exists.
- An administrator manages the local government of their own organisation and, when that is a
  prefecture, the prefecture's municipalities; the organisations that belong to those; and the
  contracts those organisations commission (委託元). Everything else answers 404, the same as a
  record that does not exist, so no installation learns what another holds.
- A contractor (委託先) may be any active organisation of the same prefecture (the region the
  /organisations/ page shows), so a city can commission an NPO registered under the prefecture.
"""

from typing import Any

from django.db.models import Model, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest

from accounts.access import audit_out_of_scope, deny, is_active_staff
from accounts.models import Contract, ContractQuerySet, LocalGovernment, Organisation, User
from accounts.roles import Right

ADMINISTRATION_RIGHT = Right.MANAGE_STAFF
NOT_FOUND_MESSAGE = "該当する記録がありません。"


def _own_government_ids(user: User) -> QuerySet[Organisation, Any]:
    """The id of the user's organisation's local government, as a subquery."""
    return Organisation.objects.filter(pk=user.organisation_id or 0).values("local_government_id")


def governments_managed_by(user: User) -> QuerySet[LocalGovernment]:
    """The user's own local government and, for a prefecture, its municipalities (one query)."""
    if not is_active_staff(user):
        return LocalGovernment.objects.none()
    own = _own_government_ids(user)
    # A municipality has no municipalities of its own, so the second half adds nothing for it.
    return LocalGovernment.objects.filter(Q(pk__in=own) | Q(prefecture_id__in=own))


def region_governments(user: User) -> QuerySet[LocalGovernment]:
    """The prefecture of the user's local government and all its municipalities."""
    if not is_active_staff(user):
        return LocalGovernment.objects.none()
    prefecture = (
        LocalGovernment.objects.filter(pk__in=_own_government_ids(user))
        .annotate(prefecture_or_self=Coalesce("prefecture_id", "pk"))
        .values("prefecture_or_self")
    )
    return LocalGovernment.objects.filter(Q(pk__in=prefecture) | Q(prefecture_id__in=prefecture))


def organisations_managed_by(user: User) -> QuerySet[Organisation]:
    """The organisations of `governments_managed_by(user)`, as one query."""
    if not is_active_staff(user):
        return Organisation.objects.none()
    own = _own_government_ids(user)
    return Organisation.objects.filter(
        Q(local_government_id__in=own) | Q(local_government__prefecture_id__in=own)
    )


def contractors_for(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(local_government__in=region_governments(user))


def contracts_managed_by(user: User) -> ContractQuerySet:
    return Contract.objects.filter(commissioner__in=organisations_managed_by(user))


def require_administrator(user: User, *, request: HttpRequest | None = None) -> None:
    """403 (audited) unless the user may use the administration pages."""
    if not user.has_right(ADMINISTRATION_RIGHT):
        raise deny(
            user,
            right=ADMINISTRATION_RIGHT,
            request=request,
            object_type=request.path if request else "",
        )


def managed_record[M: Model](
    user: User, scope: QuerySet[M], pk: Any, *, request: HttpRequest | None = None
) -> M:
    """One record of `scope` (a `*_managed_by(user)` queryset), or 404 outside it, 403 (audited)
    without the right. A non-administrator of the same installation learns only that the record
    exists, as on every other page (accounts.access.get_for_user)."""
    record = scope.filter(pk=pk).first() if str(pk).isdigit() else None
    if record is None:
        audit_out_of_scope(user, scope, pk, request)
        raise Http404(NOT_FOUND_MESSAGE)
    if not user.has_right(ADMINISTRATION_RIGHT):
        raise deny(user, right=ADMINISTRATION_RIGHT, request=request, obj=record)
    return record
