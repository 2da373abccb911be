"""`{% case_participation case %}`: the placements and 就労準備支援 enrolments of a case, for
the case page's section 「参加」.

The case page has already authorised and audited the read of the case; the rows shown are of the
same case (its organisation's scope), and their ids are audited with it. Two queries, whatever
the number of rows.
"""

from typing import Any

from django import template
from django.utils import timezone

from accounts.access import audit_list_read, visible_to
from accounts.models import User
from cases.models import Case
from participation.models import Placement, WorkReadinessEnrolment

register = template.Library()


@register.inclusion_tag("participation/placement_case_section.html", takes_context=True)
def case_participation(context: dict[str, Any], case: Case) -> dict[str, Any]:
    request = context.get("request")
    user: User = context["user"]
    placements = list(
        visible_to(user, Placement.objects.filter(case=case))
        .select_related("offer__host")
        .order_by("-proposed_on", "-id")
    )
    enrolments = list(
        visible_to(user, WorkReadinessEnrolment.objects.filter(case=case))
        .select_related("provider")
        .order_by("-started_on", "-id")
    )
    for rows, model, fields in (
        (placements, Placement, ("offer", "stage", "proposed_on", "ended_on")),
        (enrolments, WorkReadinessEnrolment, ("provider", "started_on", "ends_on", "ended_on")),
    ):
        if rows:
            audit_list_read(user, rows, model=model, request=request, fields=fields)
    return {
        "case": case,
        "placements": placements,
        "enrolments": enrolments,
        "can_edit": context.get("can_edit", False),
        "today": timezone.localdate(),
    }
