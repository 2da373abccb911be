"""`{% case_dispatches case %}`: the supporter dispatches of a case, for the case page.

The case page has already authorised and audited the read of the case; the dispatches shown are
those of the same organisation (accounts.access scope), and their ids are audited with it.
"""

from typing import Any

from django import template

from accounts.access import audit_list_read, visible_to
from accounts.models import User
from cases.models import Case
from supporters.models import Dispatch

register = template.Library()


@register.inclusion_tag("supporters/_case_dispatches.html", takes_context=True)
def case_dispatches(context: dict[str, Any], case: Case) -> dict[str, Any]:
    request = context.get("request")
    user: User = context["user"]
    dispatches = list(
        visible_to(user, Dispatch.objects.filter(case=case))
        .select_related("supporter", "worker", "report")
        .order_by("-starts_at", "-id")
    )
    if dispatches:
        audit_list_read(
            user,
            dispatches,
            model=Dispatch,
            request=request,
            fields=("supporter", "kind", "starts_at", "state", "report"),
        )
    return {"case": case, "dispatches": dispatches}
