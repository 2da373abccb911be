"""Access functions: the only way to load a record that holds personal data.

Rules, in the order they are applied:
1. Scope. A record is visible to a user when it belongs to the user's own organisation.
   Later rules (case team, consent, accepted referral, 支援会議 membership) are added to
   `_visibility` below and nowhere else. A record outside the scope answers 404 — the same as a
   record that does not exist — so that nobody learns which records other offices hold.
2. Right. A visible record still needs the right for the action (`accounts.roles`); a missing
   right answers 403.
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


def _visibility(user: User, model: type[Model]) -> Q:
    """The condition that makes a record of `model` visible to `user`."""
    if not user.is_authenticated or not user.is_active or user.organisation_id is None:
        return Q(pk__in=[])
    organisation_field = getattr(model, "ACCESS_ORGANISATION_FIELD", None)
    if organisation_field is None:
        raise ImproperlyConfigured(f"{model.__name__} does not name its ACCESS_ORGANISATION_FIELD")
    return Q(**{organisation_field: user.organisation_id})


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
        _audit_out_of_scope(user, queryset, pk, request)
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


def _audit_out_of_scope(
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


def identity_visible_q(user: User) -> Q:
    """Persons whose identity `user` may see: unrestricted ones, or restricted ones of their team.

    A restricted person (DV, abuse, family conflict) shows as 制限対象者 #id to everyone else, and
    is not found by name.
    """
    from people.models import Person

    team_of_user = Person.team.through.objects.filter(user=user).values("person_id")
    return Q(is_restricted=False) | Q(pk__in=team_of_user)


def can_see_identity(user: User, person: Any) -> bool:
    if not person.is_restricted:
        return True
    return any(member.pk == user.pk for member in person.team.all())


def hidden_person_ids(user: User, persons: list[Any]) -> set[int]:
    """Restricted persons among `persons` whose identity `user` may not see (制限対象者 #id)."""
    return {person.pk for person in persons if person and not can_see_identity(user, person)}


def require_identity(user: User, person: Any, *, request: HttpRequest | None = None) -> None:
    """403 for work that needs a restricted person's identity when `user` is not on the team."""
    if not can_see_identity(user, person):
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            obj=person,
            detail={"reason": "restricted_identity"},
        )
        raise PermissionDenied("制限対象者の記録です。担当チームの職員だけが扱えます。")


def persons_for_search[M: Model](user: User, queryset: QuerySet[M]) -> QuerySet[M]:
    """The persons `user` may find by name or reading."""
    return visible_to(user, queryset).filter(identity_visible_q(user))


def can_see_sensitive(user: User, case: Any) -> bool:
    """要配慮個人情報 (health, medical history) of a case: its lead worker and team only.

    Every view of it is audited by the caller with the sensitive field names.
    """
    return case.lead_worker_id == user.pk or any(member.pk == user.pk for member in case.team.all())


def request_user(request: HttpRequest) -> User:
    """The staff member of a page request (the login middleware lets no anonymous one through)."""
    return request.user  # type: ignore[return-value]
