"""Who may see a person's identity (rule 1a of `accounts.access`).

A restricted person (DV, abuse, family conflict) shows as 制限対象者 #id to everyone but the
person's team, and is not found by name; work that needs the identity is refused with 403.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest

from accounts.access import visible_to
from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record


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
