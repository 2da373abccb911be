"""The support plan: editing saves the next version; a stale save shows both versions.

The form carries `based_on`, the version the worker started from. When someone else saved a
version meanwhile, nothing is saved: the page shows the saved latest version beside the worker's
input (kept in the form, now based on the latest), and saving again is a knowing choice.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render

from accounts.access import request_user
from accounts.middleware import kept_form_data
from accounts.models import User
from accounts.roles import Right
from cases.access import SUMMARY_FIELDS, case_context, load_case
from cases.forms import PlanActionForm, PlanActionFormSet, PlanForm
from cases.models import Case, PlanAction, SupportPlan
from cases.services import plan_save
from collaboration.directory.forms import agency_choices
from collaboration.directory.services import directory_for
from tsunagu.forms import Choices, show_refusal
from tsunagu.versioning import StaleVersionError

PLAN_FIELDS = (*SUMMARY_FIELDS, "plan")
ACTION_PREFIX = "actions"


def plans_with_actions(case: Case) -> Any:
    return case.plans.select_related("created_by").prefetch_related(
        Prefetch(
            "actions",
            queryset=PlanAction.objects.select_related("responsible_worker", "responsible_agency"),
        )
    )


def latest_plan(case: Case) -> SupportPlan | None:
    plan: SupportPlan | None = plans_with_actions(case).order_by("-number").first()
    return plan


def worker_choices(case: Case) -> Choices:
    """The lead worker and the team (prefetched with the case)."""
    workers: dict[int, User] = {case.lead_worker.pk: case.lead_worker}
    for member in case.team.all():
        workers.setdefault(member.pk, member)
    return [(worker.pk, str(worker)) for worker in workers.values()]


def _formset(
    case: Case,
    user: User,
    data: QueryDict | None = None,
    initial: list[dict[str, Any]] | None = None,
) -> Any:
    return PlanActionFormSet(
        data,
        initial=initial,
        prefix=ACTION_PREFIX,
        form_kwargs={
            "worker_choices": worker_choices(case),
            "agency_choices": agency_choices(list(directory_for(user))),
        },
    )


def _action_initial(plan: SupportPlan | None) -> list[dict[str, Any]]:
    if plan is None:
        return []
    return [
        {
            "description": action.description,
            "responsible_worker": action.responsible_worker_id,
            "responsible_agency": action.responsible_agency_id,
        }
        for action in plan.actions.all()
    ]


def _with_based_on(data: QueryDict, number: int) -> QueryDict:
    data = data.copy()
    data["based_on"] = str(number)
    return data


def show_plan_refusal(form: PlanForm, rows: list[PlanActionForm], error: ValidationError) -> None:
    """`plan_save`'s refusal at its field: an action's (`actions.<index>.<key>`) in its row."""
    plan_errors: dict[str, list[str]] = {}
    for key, refusals in error.message_dict.items():
        if key.startswith(f"{ACTION_PREFIX}."):
            _, index, name = key.split(".", 2)
            for refusal in refusals:
                rows[int(index)].add_error(name.removesuffix("_id"), refusal)
        else:
            plan_errors[key] = refusals
    if plan_errors:
        show_refusal(form, ValidationError(plan_errors))


def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=PLAN_FIELDS)
    current = latest_plan(case)
    stale_plan: SupportPlan | None = None
    if request.method == "POST":
        form = PlanForm(request.POST)
        formset = _formset(case, user, request.POST)
        if form.is_valid() and formset.is_valid():
            rows = [row for row in formset if not row.is_blank()]
            actions = [row.action_data() for row in rows]
            try:
                plan = plan_save(
                    case=case,
                    data=form.plan_data(),
                    actions=actions,
                    based_on=form.cleaned_data["based_on"],
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_plan_refusal(form, rows, error)
            except StaleVersionError as error:
                stale_plan = latest_plan(case)
                number = stale_plan.number if stale_plan else 0
                form = PlanForm(_with_based_on(request.POST, number))
                form.is_valid()
                form.add_error(None, str(error))
            else:
                messages.success(request, f"プラン第{plan.number}版を保存しました。")
                return redirect("case_detail", pk=case.pk)
    elif (kept := kept_form_data(request)) is not None:
        form = PlanForm(kept)
        formset = _formset(case, user, kept)
        messages.info(
            request,
            "ログインの有効期限が切れる前に入力していた内容を復元しました。確認して保存してください。",
        )
    else:
        form = PlanForm(initial=PlanForm.initial_from(current))
        formset = _formset(case, user, initial=_action_initial(current))
    return render(
        request,
        "cases/plan_form.html",
        case_context(user, case)
        | {"form": form, "formset": formset, "current": current, "stale_plan": stale_plan},
    )


def plan_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One version of the plan, as it was saved."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=PLAN_FIELDS)
    plan = plans_with_actions(case).filter(number=number).first()
    if plan is None:
        raise Http404("該当するプランがありません。")
    return render(
        request,
        "cases/plan_detail.html",
        case_context(user, case)
        | {
            "plan": plan,
            "versions": case.plans.order_by("-number").values_list("number", "created_at"),
        },
    )
