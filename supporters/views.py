"""Worker pages: the supporter registry, their trainings, dispatches and the reports received."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import (
    audit_list_read,
    get_for_user,
    list_for_user,
    own_organisation_id,
    request_user,
    require_right,
    visible_to,
)
from accounts.models import User
from accounts.roles import ROLE_RIGHTS, Right
from cases.models import Case, Stage
from community.models import Session
from people.access import hidden_person_ids
from supporters.forms import CancelForm, DispatchForm, SupporterForm, TrainingForm
from supporters.models import Dispatch, Supporter
from supporters.services import (
    dispatch_cancel,
    dispatch_create,
    supporter_accounts,
    supporter_register,
    supporter_update,
    training_add,
)
from tsunagu.forms import saved_or_shown, show_refusal

# What the supporter pages show, audited as read ("availability" and "trainings" name what is
# shown of several columns and rows).
SUPPORTER_SHOWN_FIELDS = ("name", "kind", "user", "area", "availability", "trainings")
# What the dispatch pages show, audited as read (names of what is shown, some not columns): the
# planned fields less those only the detail page shows, with the supporter and the state.
DETAIL_ONLY_FIELDS = ("ends_at", "briefing", "contact_phone")
DISPATCH_SHOWN_FIELDS = (
    "supporter",
    *(name for name in Dispatch.PLANNED_FIELDS if name not in DETAIL_ONLY_FIELDS),
    "state",
)
DISPATCH_DETAIL_SHOWN_FIELDS = (*DISPATCH_SHOWN_FIELDS, "briefing", "contact_phone", "report")
CASE_ROLES = [
    role.value for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights
]


def supporter_queryset() -> QuerySet[Supporter]:
    return Supporter.objects.select_related("user", "user__organisation").prefetch_related(
        "trainings"
    )


def dispatch_queryset() -> QuerySet[Dispatch]:
    return Dispatch.objects.select_related(
        "supporter", "case", "case__person", "session", "session__place", "worker", "report"
    ).prefetch_related("case__person__team")


def supporter_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    supporters = list_for_user(
        user,
        supporter_queryset(),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=SUPPORTER_SHOWN_FIELDS,
    )
    return render(
        request,
        "supporters/supporter_list.html",
        {"supporters": supporters, "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA)},
    )


def supporter_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    accounts = supporter_accounts(organisation_id)
    form = SupporterForm(request.POST or None, accounts=accounts)
    if request.method == "POST" and form.is_valid():
        try:
            supporter = supporter_register(
                organisation_id=organisation_id,
                data=form.supporter_data(),
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"サポーター {supporter} さんを登録しました。")
            return redirect("supporter_detail", pk=supporter.pk)
    return render(request, "supporters/supporter_form.html", {"form": form, "supporter": None})


def supporter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    supporter = get_for_user(
        user,
        supporter_queryset(),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=SUPPORTER_SHOWN_FIELDS,
    )
    return render_supporter_detail(request, supporter, TrainingForm())


def render_supporter_detail(
    request: HttpRequest, supporter: Supporter, training_form: TrainingForm
) -> HttpResponse:
    user = request_user(request)
    dispatches = list(visible_to(user, dispatch_queryset().filter(supporter=supporter)))
    if dispatches:
        audit_list_read(
            user, dispatches, model=Dispatch, request=request, fields=DISPATCH_SHOWN_FIELDS
        )
    return render(
        request,
        "supporters/supporter_detail.html",
        {
            "supporter": supporter,
            "dispatches": dispatches,
            "hidden_ids": hidden_person_ids(user, [d.case.person for d in dispatches if d.case]),
            "training_form": training_form,
            "now": timezone.now(),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def supporter_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    supporter = get_for_user(
        user,
        supporter_queryset(),
        pk,
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=SUPPORTER_SHOWN_FIELDS,
    )
    accounts = supporter_accounts(supporter.organisation_id)
    if request.method != "POST":
        form = SupporterForm(initial=SupporterForm.initial_of(supporter), accounts=accounts)
        return render(
            request, "supporters/supporter_form.html", {"form": form, "supporter": supporter}
        )
    form = SupporterForm(request.POST, accounts=accounts)
    if form.is_valid() and saved_or_shown(
        form,
        lambda: supporter_update(
            supporter=supporter,
            data=form.supporter_data(),
            version=form.cleaned_data["version"] or 0,
            by=user,
            request=request,
        ),
    ):
        messages.success(request, "サポーターの登録を更新しました。")
        return redirect("supporter_detail", pk=supporter.pk)
    return render(request, "supporters/supporter_form.html", {"form": form, "supporter": supporter})


@require_POST
def training_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    supporter = get_for_user(
        user, supporter_queryset(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    form = TrainingForm(request.POST)
    if form.is_valid():
        try:
            training_add(supporter=supporter, by=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "養成研修の修了を記録しました。")
            return redirect("supporter_detail", pk=supporter.pk)
    return render_supporter_detail(request, supporter, form)


def dispatch_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    dispatches = list_for_user(
        user,
        dispatch_queryset(),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DISPATCH_SHOWN_FIELDS,
    )
    now = timezone.now()
    return render(
        request,
        "supporters/dispatch_list.html",
        {
            "upcoming": sorted(
                (d for d in dispatches if d.state == Dispatch.State.PLANNED and d.starts_at >= now),
                key=lambda d: d.starts_at,
            ),
            "now": now,
            "others": [
                d
                for d in dispatches
                if not (d.state == Dispatch.State.PLANNED and d.starts_at >= now)
            ],
            "hidden_ids": hidden_person_ids(user, [d.case.person for d in dispatches if d.case]),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def dispatch_form(
    user: User, data: Any = None, initial: dict[str, Any] | None = None
) -> DispatchForm:
    """The form with only what the worker may choose: the organisation's active supporters, the
    open cases they may see, the coming sessions of their places, the case workers."""
    organisation_id = own_organisation_id(user)
    cases = visible_to(
        user, Case.objects.exclude(stage=Stage.CLOSED).select_related("person")
    ).prefetch_related("person__team")
    sessions = visible_to(
        user,
        Session.objects.filter(date__gte=timezone.localdate(), is_cancelled=False).select_related(
            "place"
        ),
    )
    workers = (
        User.objects.filter(
            organisation_id=organisation_id, is_active=True, staff_roles__role__in=CASE_ROLES
        )
        .distinct()
        .order_by("username")
    )
    return DispatchForm(
        data,
        initial=initial,
        supporters=visible_to(user, Supporter.objects.filter(is_active=True)),
        cases=cases,
        hidden_person_ids=hidden_person_ids(user, [case.person for case in cases]),
        sessions=sessions,
        workers=workers,
    )


def dispatch_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation = user.organisation
    if request.method == "POST":
        form = dispatch_form(user, request.POST)
        if form.is_valid():
            try:
                dispatch = dispatch_create(
                    organisation_id=own_organisation_id(user),
                    supporter=form.cleaned_data["supporter"],
                    data=form.dispatch_data(),
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(
                    request,
                    f"{dispatch.supporter} さんの派遣を登録しました。"
                    "サポーターの画面に表示されます。",
                )
                return redirect("dispatch_detail", pk=dispatch.pk)
    else:
        form = dispatch_form(
            user,
            initial={
                "case": request.GET.get("case"),
                "supporter": request.GET.get("supporter"),
                "kind": Dispatch.Kind.HOME_VISIT if request.GET.get("case") else "",
                "worker": user.pk,
                "contact_phone": organisation.phone if organisation else "",
            },
        )
    return render(request, "supporters/dispatch_form.html", {"form": form})


def dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dispatch = get_for_user(
        user,
        dispatch_queryset(),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DISPATCH_DETAIL_SHOWN_FIELDS,
    )
    return render_dispatch_detail(request, dispatch, CancelForm())


def render_dispatch_detail(
    request: HttpRequest, dispatch: Dispatch, cancel_form: CancelForm
) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "supporters/dispatch_detail.html",
        {
            "dispatch": dispatch,
            "report": getattr(dispatch, "report", None),
            "hidden_ids": hidden_person_ids(
                user, [dispatch.case.person if dispatch.case else None]
            ),
            "cancel_form": cancel_form,
            "now": timezone.now(),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


@require_POST
def dispatch_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dispatch = get_for_user(
        user, dispatch_queryset(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            dispatch_cancel(
                dispatch=dispatch, reason=form.cleaned_data["reason"], by=user, request=request
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "派遣を中止にしました。サポーターの画面にも表示されます。")
            return redirect("dispatch_detail", pk=dispatch.pk)
    return render_dispatch_detail(request, dispatch, form)
