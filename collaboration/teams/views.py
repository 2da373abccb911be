"""The team page of a case: who is on the team, who leads, and the history of both."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import request_user
from accounts.models import User
from accounts.roles import Right
from cases.access import case_context, load_case
from cases.models import Case, TeamChange
from collaboration.teams.forms import LeadForm, TeamMemberForm, TeamRemoveForm
from collaboration.teams.services import (
    lead_candidates,
    lead_change,
    team_add,
    team_candidates,
    team_remove,
)
from tsunagu.forms import show_refusal

TEAM_FIELDS = ("lead_worker", "team", "team_changes")


def team_page(request: HttpRequest, pk: int) -> HttpResponse:
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=TEAM_FIELDS)
    return _render(request, case)


@require_POST
def team_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk)
    form = TeamMemberForm(request.POST, candidates=team_candidates(case), prefix="add")
    return _change(
        request,
        case,
        form,
        "add_form",
        lambda member, reason, user: team_add(
            case=case, member=member, reason=reason, by=user, request=request
        ),
        "member",
        "{member} さんを担当チームに加えました。",
    )


@require_POST
def team_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk)
    # Each member's row has its own form; the row says which (its prefix names the member).
    member_pk = request.POST.get("row", "")
    form = TeamRemoveForm(request.POST, prefix=f"remove-{member_pk}")
    return _change(
        request,
        case,
        form,
        f"remove_form_{member_pk}",
        lambda member, reason, user: team_remove(
            case=case, member=member, reason=reason, by=user, request=request
        ),
        "member",
        "{member} さんを担当チームから外しました。",
    )


@require_POST
def lead_change_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = _case_for_change(request, pk)
    form = LeadForm(request.POST, candidates=lead_candidates(case), prefix="lead")
    return _change(
        request,
        case,
        form,
        "lead_form",
        lambda member, reason, user: lead_change(
            case=case, new_lead=member, reason=reason, by=user, request=request
        ),
        "new_lead",
        "主担当を {member} さんに変えました。",
    )


def _case_for_change(request: HttpRequest, pk: int) -> Case:
    return load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=TEAM_FIELDS)


def _change(
    request: HttpRequest,
    case: Case,
    form: Form,
    form_key: str,
    change: Callable[[User, str, User], object],
    member_field: str,
    success: str,
) -> HttpResponse:
    if form.is_valid():
        member = _staff(form.cleaned_data[member_field])
        if member is None:
            form.add_error(member_field, "職員を一覧から選んでください。")
        else:
            try:
                change(member, form.cleaned_data["reason"], request_user(request))
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, success.format(member=member))
                return redirect("case_team", pk=case.pk)
    return _render(request, case, **{form_key: form})


def _staff(pk: int) -> User | None:
    return (
        User.objects.select_related("organisation")
        .prefetch_related("staff_roles")
        .filter(pk=pk)
        .first()
    )


def _render(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    user = request_user(request)
    members = list(
        case.team.select_related("organisation").order_by("organisation_id", "display_name", "id")
    )
    can_edit = user.has_right(Right.EDIT_PERSONAL_DATA) and case.is_open
    context = {
        **case_context(user, case),
        "members": [
            (
                member,
                forms.get(f"remove_form_{member.pk}") or _remove_form(member),
            )
            for member in members
        ],
        "changes": TeamChange.objects.filter(case=case)
        .select_related("member", "previous_lead", "by")
        .order_by("-at", "-id"),
        "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        "can_change": can_edit,
    }
    if can_edit:
        context["add_form"] = forms.get("add_form") or TeamMemberForm(
            candidates=team_candidates(case), prefix="add"
        )
        context["lead_form"] = forms.get("lead_form") or LeadForm(
            candidates=lead_candidates(case), prefix="lead"
        )
    return render(request, "collaboration/teams/team.html", context)


def _remove_form(member: User) -> TeamRemoveForm:
    return TeamRemoveForm(initial={"member": member.pk}, prefix=f"remove-{member.pk}")
