"""Pages of the placements (参加) and of 就労準備支援事業, both parts of a case.

Views stay thin: the access function (the case's, `cases.access.load_case` and
`participation.placement_access`), the form, the service, the redirect. A refusal is shown at
its field; a stale form with the current record.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import request_user
from accounts.roles import Right
from cases.access import case_context, load_case
from cases.models import Case
from participation.access import visible_offers
from participation.models import ACTIVE_STAGES, Placement, WorkReadinessEnrolment
from participation.placement_access import load_enrolment, load_placement
from participation.placement_forms import (
    AttendanceForm,
    ComponentsForm,
    ContactForm,
    EndForm,
    EnrolmentForm,
    ExtensionForm,
    MoveForm,
    ProposeForm,
)
from participation.placements import (
    contact_record,
    dispatch_choices,
    next_stages,
    placement_move,
    placement_propose,
)
from participation.readiness import (
    approver_choices,
    attendance_record,
    enrolment_create,
    enrolment_edit,
    enrolment_end,
    enrolment_extend,
    provider_choices,
)
from tsunagu.forms import show_refusal
from tsunagu.versioning import StaleVersionError

# The offers listed on the proposal page: the first ones of the search, the rest by narrowing it.
OFFERS_SHOWN = 30
CONTACTS_PER_PAGE = 20


def _refusal(form: Any, error: ValidationError | StaleVersionError) -> None:
    if isinstance(error, ValidationError):
        show_refusal(form, error)
    else:
        form.add_error(None, str(error))


# ---- placements ----


def _offers_for(request: HttpRequest, query: str) -> list[Any]:
    """The active offers the worker sees, matching the search, with the places they hold."""
    offers = (
        visible_offers(request_user(request))
        .filter(is_active=True)
        .annotate(taken=Count("placements", filter=Q(placements__stage__in=ACTIVE_STAGES)))
        .order_by("host__name", "title", "id")
    )
    if query:
        offers = offers.filter(Q(title__icontains=query) | Q(host__name__icontains=query))
    return list(offers[:OFFERS_SHOWN])


def placement_new(request: HttpRequest, pk: int) -> HttpResponse:
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA)
    user = request_user(request)
    query = request.GET.get("q", "").strip()[:100]
    data = request.POST if request.method == "POST" else None
    chosen = request.POST.get("offer") or request.GET.get("offer")
    offers = _offers_for(request, query)
    if chosen and str(chosen).isdigit() and all(str(o.pk) != str(chosen) for o in offers):
        # The offer the worker came from (the offer's page) is listed even beyond the search.
        offers += list(
            visible_offers(user)
            .filter(pk=int(chosen))
            .annotate(taken=Count("placements", filter=Q(placements__stage__in=ACTIVE_STAGES)))
        )
    form = ProposeForm(data, offers=offers, initial={"offer": chosen})
    if data is not None and form.is_valid():
        offer = next(o for o in offers if o.pk == form.cleaned_data["offer"])
        try:
            placement = placement_propose(
                case=case,
                offer=offer,
                proposed_on=form.cleaned_data["proposed_on"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "参加を提案として記録しました。")
            return redirect("placement_detail", pk=placement.pk)
    context = case_context(user, case) | {
        "form": form,
        "query": query,
        "offers_shown": OFFERS_SHOWN,
        "offers_count": len(offers),
    }
    return render(request, "participation/placement_new.html", context)


def render_placement(request: HttpRequest, placement: Placement, **forms: Any) -> HttpResponse:
    user = request_user(request)
    contacts = Paginator(placement.contacts.select_related("worker"), CONTACTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    move_form = forms.get("move_form") or MoveForm(
        stages=next_stages(placement),
        dispatches=dispatch_choices(placement.case),
        initial={"version": placement.version},
    )
    context = case_context(user, placement.case) | {
        "placement": placement,
        "contacts": contacts,
        "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        "move_form": move_form,
        "contact_form": forms.get("contact_form") or ContactForm(),
    }
    return render(request, "participation/placement_detail.html", context)


def placement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_placement(request, load_placement(request, pk))


@require_POST
def placement_stage(request: HttpRequest, pk: int) -> HttpResponse:
    placement = load_placement(request, pk, write=True)
    form = MoveForm(
        request.POST,
        stages=next_stages(placement),
        dispatches=dispatch_choices(placement.case),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            moved = placement_move(
                placement=placement,
                stage=data["stage"],
                on=data["on"],
                version=data["version"],
                end_reason=data["end_reason"],
                end_note=data["end_note"],
                dispatch=data["dispatch"],
                by=request_user(request),
                request=request,
            )
        except (ValidationError, StaleVersionError) as error:
            _refusal(form, error)
        else:
            messages.success(request, f"段階を「{moved.get_stage_display()}」にしました。")
            return redirect("placement_detail", pk=placement.pk)
    return render_placement(request, placement, move_form=form)


@require_POST
def placement_contact(request: HttpRequest, pk: int) -> HttpResponse:
    placement = load_placement(request, pk, write=True)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact_record(
                placement=placement,
                data=form.cleaned_data,
                by=request_user(request),
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "経過を記録しました。")
            return redirect("placement_detail", pk=placement.pk)
    return render_placement(request, placement, contact_form=form)


# ---- 就労準備支援事業 ----


def readiness_new(request: HttpRequest, pk: int) -> HttpResponse:
    case: Case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA)
    user = request_user(request)
    data = request.POST if request.method == "POST" else None
    form = EnrolmentForm(data, providers=provider_choices(user))
    if data is not None and form.is_valid():
        try:
            enrolment = enrolment_create(
                case=case, data=form.cleaned_data, by=user, request=request
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "就労準備支援事業の利用を登録しました。")
            return redirect("readiness_detail", pk=enrolment.pk)
    context = case_context(user, case) | {"form": form}
    return render(request, "participation/readiness_new.html", context)


def render_enrolment(
    request: HttpRequest, enrolment: WorkReadinessEnrolment, **forms: Any
) -> HttpResponse:
    user = request_user(request)
    version = {"version": enrolment.version}
    context = case_context(user, enrolment.case) | {
        "enrolment": enrolment,
        "today": timezone.localdate(),
        "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        "components_form": forms.get("components_form")
        or ComponentsForm(initial={"components": enrolment.components, **version}),
        "attendance_form": forms.get("attendance_form") or AttendanceForm(),
        "extension_form": forms.get("extension_form")
        or ExtensionForm(approvers=approver_choices(enrolment.case), initial=version),
        "end_form": forms.get("end_form") or EndForm(initial=version),
    }
    return render(request, "participation/readiness_detail.html", context)


def readiness_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_enrolment(request, load_enrolment(request, pk))


def _enrolment_post(
    request: HttpRequest, pk: int, form_key: str, form_class: Any, success: str, **form_kwargs: Any
) -> HttpResponse:
    """The enrolment's small forms: load for writing, validate, call the service, redirect."""
    enrolment = load_enrolment(request, pk, write=True)
    kwargs = {
        key: (value(enrolment) if callable(value) else value)
        for key, value in form_kwargs.items()
        if key != "service"
    }
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            form_kwargs["service"](enrolment, form.cleaned_data, request_user(request), request)
        except (ValidationError, StaleVersionError) as error:
            _refusal(form, error)
        else:
            messages.success(request, success)
            return redirect("readiness_detail", pk=enrolment.pk)
    return render_enrolment(request, enrolment, **{form_key: form})


@require_POST
def readiness_edit(request: HttpRequest, pk: int) -> HttpResponse:
    def service(enrolment: WorkReadinessEnrolment, data: dict[str, Any], by: Any, req: Any) -> None:
        enrolment_edit(enrolment=enrolment, data=data, version=data["version"], by=by, request=req)

    return _enrolment_post(
        request,
        pk,
        "components_form",
        ComponentsForm,
        "支援の内容を更新しました。",
        service=service,
    )


@require_POST
def readiness_attend(request: HttpRequest, pk: int) -> HttpResponse:
    def service(enrolment: WorkReadinessEnrolment, data: dict[str, Any], by: Any, req: Any) -> None:
        attendance_record(
            enrolment=enrolment,
            attended_on=data["attended_on"],
            note=data["note"],
            by=by,
            request=req,
        )

    return _enrolment_post(
        request,
        pk,
        "attendance_form",
        AttendanceForm,
        "参加を支援経過に記録しました。",
        service=service,
    )


@require_POST
def readiness_extend(request: HttpRequest, pk: int) -> HttpResponse:
    def service(enrolment: WorkReadinessEnrolment, data: dict[str, Any], by: Any, req: Any) -> None:
        enrolment_extend(
            enrolment=enrolment,
            extended_until=data["extended_until"],
            reason=data["extension_reason"],
            approved_by=data["extension_approved_by"],
            version=data["version"],
            by=by,
            request=req,
        )

    return _enrolment_post(
        request,
        pk,
        "extension_form",
        ExtensionForm,
        "利用期限を延長しました。延長の理由と承認した職員を記録しました。",
        service=service,
        approvers=lambda enrolment: approver_choices(enrolment.case),
    )


@require_POST
def readiness_end(request: HttpRequest, pk: int) -> HttpResponse:
    def service(enrolment: WorkReadinessEnrolment, data: dict[str, Any], by: Any, req: Any) -> None:
        enrolment_end(
            enrolment=enrolment,
            ended_on=data["ended_on"],
            version=data["version"],
            by=by,
            request=req,
        )

    return _enrolment_post(
        request, pk, "end_form", EndForm, "利用の終了を記録しました。", service=service
    )
