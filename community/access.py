"""Who may run a place: 居場所スタッフ (RUN_IBASHO), or a worker holding the personal-data right,
of the place's own organisation. Every read goes through `accounts.access`, so another
organisation's place answers 404 and is audited, and a missing right answers 403.
"""

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accounts.access import get_for_user, list_for_user, request_user
from accounts.models import User
from accounts.roles import Right


def ibasho_right(user: User, *, write: bool = False) -> Right:
    """The right under which `user` runs places: RUN_IBASHO, or the worker's personal-data
    right. A user holding neither is refused under RUN_IBASHO."""
    worker_right = Right.EDIT_PERSONAL_DATA if write else Right.VIEW_PERSONAL_DATA
    for right in (Right.RUN_IBASHO, worker_right):
        if user.has_right(right):
            return right
    return Right.RUN_IBASHO


def can_run(user: User, *, write: bool = False) -> bool:
    return user.has_right(ibasho_right(user, write=write))


def load[M: Model](
    request: HttpRequest,
    queryset: QuerySet[M],
    pk: Any,
    *,
    write: bool = False,
    fields: tuple[str, ...] = (),
) -> M:
    user = request_user(request)
    return get_for_user(
        user,
        queryset,
        pk,
        right=ibasho_right(user, write=write),
        request=request,
        fields=fields,
    )


def load_list[M: Model](
    request: HttpRequest, queryset: QuerySet[M], *, fields: tuple[str, ...] = ()
) -> list[M]:
    user = request_user(request)
    return list_for_user(user, queryset, right=ibasho_right(user), request=request, fields=fields)
