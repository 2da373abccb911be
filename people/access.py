"""Who may see a person's identity (rule 1a of `accounts.access`).

A restricted person (DV, abuse, family conflict) shows as 制限対象者 #id to everyone but the
person's team, and is not found by name; work that needs the identity is refused with 403.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from accounts.access import get_for_user, request_user, visible_to
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from people.models import Person


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


# The fields a read of a person names in its audit row: the identity (lists and search hits),
# and everything the person's page and edit form show.
IDENTITY_FIELDS = ("family_name", "given_name", "family_name_kana", "given_name_kana", "alias")
DETAIL_FIELDS = (*IDENTITY_FIELDS, "birth_date", "sex", "address", "phones", "contact")


def person_for_edit(
    request: HttpRequest,
    pk: Any,
    *,
    persons: QuerySet[Person] | None = None,
    fields: tuple[str, ...] = DETAIL_FIELDS,
) -> Person:
    """The person `request.user` edits, or records something about, for the page and the API.

    404 outside the user's scope, 403 without the right to edit personal data, 403 for a
    restricted person off the user's team; the read is audited with `fields`. `persons` narrows
    the choice (the API's `Person.objects.current()`: no merged record).
    """
    user = request_user(request)
    person = get_for_user(
        user,
        (persons if persons is not None else Person.objects.all()).prefetch_related("team"),
        pk,
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=fields,
    )
    require_identity(user, person, request=request)
    return person
