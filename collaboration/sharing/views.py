"""What other organisations share with the user: cases seen on a legal basis, read only."""

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import own_organisation_id, request_user, require_right
from accounts.roles import Right
from cases.models import Case
from collaboration.models import InfoKind
from collaboration.sharing.access import audit_disclosure, case_sharing_bases, shared_case_for_user
from collaboration.sharing.summaries import person_label, shared_case_view


def shared_queryset() -> QuerySet[Case]:
    return Case.objects.select_related(
        "person", "household", "organisation", "lead_worker"
    ).prefetch_related("team")


def shared_list(request: HttpRequest) -> HttpResponse:
    """Other organisations' cases the user sees now: on the team with consent, or referred."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    candidates = (
        shared_queryset()
        .exclude(organisation_id=organisation_id)
        .filter(Q(team=user) | Q(referrals__agency__organisation_id=organisation_id))
        .distinct()
        .order_by("-opened_on", "-id")
    )
    rows = []
    for case in candidates:
        bases = case_sharing_bases(user, case)
        if not bases:
            continue
        shows_identity = any(basis.shows_identity for basis in bases)
        for basis in bases:
            audit_disclosure(
                user,
                basis=basis,
                obj=case,
                person_id=case.person_id,
                request=request,
                info_kinds=frozenset({InfoKind.BASIC.value}),
            )
        rows.append(
            {
                "case": case,
                "bases": bases,
                "person_label": person_label(case.person, shows_identity=shows_identity),
            }
        )
    return render(request, "collaboration/shared/shared_list.html", {"rows": rows})


def shared_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    case, bases = shared_case_for_user(user, shared_queryset(), pk, request=request)
    if not bases:
        return redirect("case_detail", pk=case.pk)
    return render(
        request, "collaboration/shared/shared_case.html", {"view": shared_case_view(case, bases)}
    )
