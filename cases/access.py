"""Loading a case for a page or the API, and who sees its 要配慮個人情報 (rule 1a, 3).

A case is visible to its own organisation (`accounts.access`); its sensitive fields (health,
medical history) to its lead worker and team only, each view audited with the field names.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.access import (
    get_for_user,
    request_user,
)
from accounts.models import User
from accounts.roles import Right
from cases.models import Case
from people.access import hidden_person_ids


def can_see_sensitive(user: User, case: Any) -> bool:
    """要配慮個人情報 (health, medical history) of a case: its lead worker and team only.

    Every view of it is audited by the caller with the sensitive field names.
    """
    return case.lead_worker_id == user.pk or any(member.pk == user.pk for member in case.team.all())


SUMMARY_FIELDS = ("title", "person", "household", "stage", "lead_worker", "team", "opened_on")


def case_context(user: User, case: Case) -> dict[str, Any]:
    """What every case page needs for its heading (the person's identity may be restricted)."""
    return {"case": case, "hidden_ids": hidden_person_ids(user, [case.person])}


def case_queryset() -> QuerySet[Case]:
    return Case.objects.select_related("person", "household", "lead_worker").prefetch_related(
        "team", "person__team"
    )


def load_case(
    request: HttpRequest, pk: int, *, right: Right, fields: tuple[str, ...] = SUMMARY_FIELDS
) -> Case:
    """The case for `request.user`: 404 outside their organisation, 403 without the right."""
    return get_for_user(
        request_user(request), case_queryset(), pk, right=right, request=request, fields=fields
    )


def mine(user: User) -> Q:
    """Cases the user leads or is on the team of."""
    on_team = Case.team.through.objects.filter(user_id=user.pk).values("case_id")
    return Q(lead_worker_id=user.pk) | Q(pk__in=on_team)
