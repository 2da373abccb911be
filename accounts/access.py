"""The access kernel: the only way to load a record that holds personal data.

This module holds what every domain shares — scope, the 404/403 answers, the audited read — and
indexes the rules, which each domain keeps in its own `access.py`. Rules, in the order applied:
1. Scope. A record is visible to a user when it belongs to the user's own organisation (the
   model's ACCESS_ORGANISATION_FIELD), or when the model widens it with `visible_q(user)`
   (`Meeting`: also its members; `AdviceRequest`: also the centre it was sent to). A record
   outside the scope answers 404 — the same as a record that does not exist — so that nobody
   learns which records other offices hold (`visible_to`, `get_for_user`, `list_for_user`,
   `page_for_user`).
1a. Identity and sensitive data. A restricted person's identity only for the person's team
   (`people.access`); a case's 要配慮個人情報 only for its lead worker and team (`cases.access`).
1b. Sharing (多機関協働). A worker of another organisation sees part of a case only while a legal
   basis holds: consent, an accepted referral, or a 支援会議 (`collaboration.sharing.access`,
   the registry of bases); meeting material and minutes by participation
   (`collaboration.meetings.access`); a referral made to the worker's organisation, before it is
   accepted, without the case (`collaboration.referrals.access`). Each such view is audited as a
   disclosure.
1c. Supporters. A supporter's login sees only its own dispatches (`supporters.access`).
1d. Community. Who may run a place, its sessions and attendance (`community.access`).
1e. Pages about tsunagu itself (the style guide): the staff of an organisation, not a
   supporter's login (`require_office_staff`); they hold no record.
1f. Participation support. A host (受入先) and its offers are seen by the staff of the
   organisation that develops it and, when shared in the prefecture, by every organisation of
   that prefecture (`Host.visible_q`); only the owner's staff edit them, the others may suggest
   a change (`participation.access`).
2. Right. A visible record still needs the right for the action (`accounts.roles`); a missing
   right answers 403 (`deny`, `require_right`).
3. Audit. Every granted read or write of personal data, and every refusal, is written to the
   audit log with ids and field names only.
"""

from typing import Any

from django.core.exceptions import ImproperlyConfigured, ObjectDoesNotExist, PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record, object_type_of
from tsunagu.sql import ids_first


def _visibility(user: User, model: type[Model]) -> Q:
    """The condition that makes a record of `model` visible to `user`.

    A model widens its scope with a `visible_q(user)` classmethod (a meeting: also its members;
    an advice request: also the centre asked); otherwise a record is visible to the staff of the
    organisation its ACCESS_ORGANISATION_FIELD names.
    """
    if not is_active_staff(user):
        return Q(pk__in=[])
    own_visibility = getattr(model, "visible_q", None)
    if own_visibility is not None:
        return own_visibility(user)
    organisation_field = getattr(model, "ACCESS_ORGANISATION_FIELD", None)
    if organisation_field is None:
        raise ImproperlyConfigured(f"{model.__name__} does not name its ACCESS_ORGANISATION_FIELD")
    return Q(**{organisation_field: user.organisation_id})


def is_active_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_active and user.organisation_id is not None)


def visible_to[M: Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """Scope a queryset to the records `user` may know exist (no right is checked)."""
    return queryset.filter(_visibility(user, queryset.model))


def deny(
    user: User,
    *,
    right: Right | str,
    request: HttpRequest | None = None,
    obj: Model | None = None,
    object_type: str = "",
) -> PermissionDenied:
    """Audit a refusal and return the 403 exception for the caller to raise."""
    audit_record(
        action=AuditEvent.Action.DENIED,
        actor=user,
        request=request,
        obj=obj,
        object_type=object_type,
        detail={"reason": "missing_right", "right": str(right)},
    )
    return PermissionDenied(f"この操作の権限がありません（{Right(right).label}）。")


def is_office_staff(user: User) -> bool:
    """Active staff of an organisation whose work is more than a supporter's own dispatches."""
    return is_active_staff(user) and bool(user.rights - {Right.VIEW_OWN_DISPATCHES})


def require_office_staff(user: User, *, request: HttpRequest | None = None) -> None:
    """403 unless `user` is office staff (rule 1e): a supporter, often a volunteer of a
    contracted NPO, sees only their own dispatches, not how the office's pages are built."""
    if is_office_staff(user):
        return
    audit_record(
        action=AuditEvent.Action.DENIED,
        actor=user,
        request=request,
        object_type=request.path if request else "",
        detail={"reason": "not_office_staff"},
    )
    raise PermissionDenied("この画面は機関の職員だけが使えます。")


def own_organisation_id(user: User) -> int:
    """The organisation new records of `user` belong to; staff without one may not create any."""
    if user.organisation_id is None:
        raise PermissionDenied("所属機関が設定されていません。管理者に連絡してください。")
    return user.organisation_id


def require_right(user: User, right: Right, *, request: HttpRequest | None = None) -> None:
    """403 unless `user` holds `right`; for pages that show no single record."""
    if not user.has_right(right):
        raise deny(user, right=right, request=request, object_type=request.path if request else "")


def get_for_user[M: Model](
    user: User,
    queryset: QuerySet[M],
    pk: Any,
    *,
    right: Right,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
) -> M:
    """Fetch one record and authorise `user` for `right` on it, or raise 404 / 403.

    The read is audited with the field names given; services audit the writes.
    """
    try:
        obj = visible_to(user, queryset).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError):
        audit_out_of_scope(user, queryset, pk, request)
        raise Http404("該当する記録がありません。") from None
    if not user.has_right(right):
        raise deny(user, right=right, request=request, obj=obj)
    audit_record(action=AuditEvent.Action.READ, actor=user, request=request, obj=obj, fields=fields)
    return obj


def list_for_user[M: Model](
    user: User,
    queryset: QuerySet[M],
    *,
    right: Right,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
) -> list[M]:
    """The visible records of a list, authorised and audited as one read naming their ids."""
    if not user.has_right(right):
        raise deny(user, right=right, request=request, object_type=object_type_of(queryset.model))
    records = list(visible_to(user, queryset))
    audit_list_read(user, records, model=queryset.model, request=request, fields=fields)
    return records


def page_for_user[M: Model](
    user: User,
    queryset: QuerySet[M],
    *,
    right: Right,
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
    offset: int,
    limit: int,
) -> tuple[list[M], int]:
    """One page of the visible records of an ordered list and how many there are in all.

    Authorised as `list_for_user`; the audit row names the ids of the page only, since those
    are the records shown. The total is a COUNT in the database, so the work is the same
    however many records the scope holds.
    """
    if not user.has_right(right):
        raise deny(user, right=right, request=request, object_type=object_type_of(queryset.model))
    visible = visible_to(user, queryset)
    # The page's ids are chosen by a narrow subquery first, so that the database sorts the
    # scope's keys and joins only the rows shown (tsunagu.sql.ids_first).
    records = ids_first(visible, limit=limit, offset=offset)
    audit_list_read(user, records, model=queryset.model, request=request, fields=fields)
    return records, visible.count()


def audit_list_read(
    user: User,
    records: list[Any],
    *,
    model: type[Model],
    request: HttpRequest | None = None,
    fields: tuple[str, ...] = (),
    also: dict[str, list[int]] | None = None,
) -> None:
    """One audit row for a list or search result shown to `user`, naming the ids shown.

    `also` names the ids of other kinds of record shown on the same page, e.g.
    {"consultations.consultation": [...]}, so that one page view stays one row.
    """
    audit_record(
        action=AuditEvent.Action.READ,
        actor=user,
        request=request,
        object_type=object_type_of(model),
        fields=fields,
        detail={"ids": [record.pk for record in records], **(also or {})},
    )


def audit_out_of_scope(
    user: User, queryset: QuerySet[Any], pk: Any, request: HttpRequest | None
) -> None:
    # A record that exists in another organisation is a denied attempt worth an audit row;
    # a record that does not exist at all is just a 404.
    try:
        exists = queryset.model._default_manager.filter(pk=pk).exists()
    except (ValueError, TypeError):
        return
    if exists:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            object_type=object_type_of(queryset.model),
            object_id=pk,
            detail={"reason": "out_of_scope"},
        )


def request_user(request: HttpRequest) -> User:
    """The staff member of a page request (the login middleware lets no anonymous one through)."""
    return request.user  # type: ignore[return-value]


# ---- Sharing with other organisations (rule 1b) ----


# ---- Supporters' own dispatches (rule 1c) ----
