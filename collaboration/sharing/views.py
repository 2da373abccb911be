"""What other organisations share with the user: cases seen on a legal basis, read only."""

from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import own_organisation_id, request_user, require_right
from accounts.roles import Right
from cases.models import Case
from collaboration.models import InfoKind
from collaboration.sharing.access import (
    audit_disclosures,
    shared_case_for_user,
    sharing_bases,
    sharing_candidates,
)
from collaboration.sharing.summaries import person_label, shared_case_view

SHARED_PAGE_SIZE = 50


def shared_queryset() -> QuerySet[Case]:
    return Case.objects.select_related(
        "person", "household", "organisation", "lead_worker"
    ).prefetch_related("team")


def shared_list(request: HttpRequest) -> HttpResponse:
    """Other organisations' cases the user sees now, a page at a time.

    The candidates (on the team, or referred to the user's organisation) are paged in SQL; the
    bases of the page's cases are then checked together, so a page costs the same few queries
    however many cases are shared. A candidate whose basis has lapsed is left out of its page.
    """
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    candidates = (
        shared_queryset()
        .exclude(organisation_id=own_organisation_id(user))
        .filter(sharing_candidates(user))
        .distinct()
        .order_by("-opened_on", "-id")
    )
    page = Paginator(candidates, SHARED_PAGE_SIZE).get_page(request.GET.get("page"))
    cases = list(page.object_list)
    bases_of = sharing_bases(user, cases)
    rows: list[dict[str, Any]] = [
        {
            "case": case,
            "bases": bases_of[case.pk],
            "person_label": person_label(
                case.person, shows_identity=any(b.shows_identity for b in bases_of[case.pk])
            ),
        }
        for case in cases
        if bases_of.get(case.pk)
    ]
    # The list shows who the case is about: 基本情報 only, whatever else the basis opens.
    audit_disclosures(
        user,
        [(basis, row["case"], row["case"].person_id) for row in rows for basis in row["bases"]],
        request=request,
        info_kinds=frozenset({InfoKind.BASIC.value}),
    )
    return render(request, "collaboration/shared/shared_list.html", {"rows": rows, "page": page})


def shared_case(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    case, bases = shared_case_for_user(user, shared_queryset(), pk, request=request)
    if not bases:
        return redirect("case_detail", pk=case.pk)
    return render(
        request, "collaboration/shared/shared_case.html", {"view": shared_case_view(case, bases)}
    )
