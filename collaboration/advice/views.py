"""Specialist advice: a municipality asks the prefectural centre; the centre answers (p.32).

The centre sees an anonymised summary of the case; the person's identity only under a consent in
force that covers the centre and 基本情報, checked at every view (withdrawal acts at once).
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import deny, get_for_user, list_for_user, request_user
from accounts.models import User
from accounts.roles import Right
from cases.access import SUMMARY_FIELDS, case_context, load_case
from collaboration.advice.forms import AdviceForm, AdviceRequestForm
from collaboration.advice.services import (
    advice_give,
    advice_request_close,
    advice_request_create,
    centres_for,
    identity_consent,
)
from collaboration.models import AdviceRequest, InfoKind
from collaboration.sharing.access import BASIS_CONSENT, Basis, audit_disclosure
from collaboration.sharing.summaries import anonymised_summary, person_label

ADVICE_FIELDS = ("question", "disciplines", "answers", "anonymised_summary")


def advice_queryset() -> QuerySet[AdviceRequest]:
    return AdviceRequest.objects.select_related(
        "case__person", "case__household", "organisation", "centre", "requested_by"
    ).prefetch_related("answers__specialist")


def advice_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    centres = centres_for(case.organisation)
    form = AdviceRequestForm(request.POST or None, centres=centres)
    if request.method == "POST" and form.is_valid():
        centre = next(c for c in centres if c.pk == form.cleaned_data["centre"])
        try:
            advice_request = advice_request_create(
                case=case,
                centre=centre,
                question=form.cleaned_data["question"],
                disciplines=form.cleaned_data["disciplines"],
                share_identity=form.cleaned_data["share_identity"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{centre.name}に専門的助言を依頼しました。")
            return redirect("advice_detail", pk=advice_request.pk)
    return render(
        request,
        "collaboration/advice/advice_new.html",
        {**case_context(user, case), "form": form, "centres": centres},
    )


def advice_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    requests = list_for_user(
        user,
        advice_queryset().order_by("state", "-requested_at"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=("state", "disciplines", "requested_at"),
    )
    return render(
        request,
        "collaboration/advice/advice_list.html",
        {"advice_requests": requests, "is_centre": user.has_right(Right.GIVE_SPECIALIST_ADVICE)},
    )


def advice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    advice_request = get_for_user(
        user,
        advice_queryset(),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=ADVICE_FIELDS,
    )
    return render_advice_detail(request, user, advice_request, AdviceForm())


def render_advice_detail(
    request: HttpRequest, user: User, advice_request: AdviceRequest, form: AdviceForm
) -> HttpResponse:
    at_centre = user.organisation_id == advice_request.centre_id
    case = advice_request.case
    context = {
        "advice_request": advice_request,
        "at_centre": at_centre,
        "can_answer": at_centre
        and user.has_right(Right.GIVE_SPECIALIST_ADVICE)
        and advice_request.state != AdviceRequest.State.CLOSED,
        "form": form,
    }
    if at_centre:
        context["summary"] = anonymised_summary(case)
        context["person_label"] = _person_label_for_centre(request, user, advice_request)
    return render(request, "collaboration/advice/advice_detail.html", context)


def _person_label_for_centre(
    request: HttpRequest, user: User, advice_request: AdviceRequest
) -> str:
    """The person's name when the consent named on the request is still in force, else anonymous."""
    case = advice_request.case
    consent = (
        identity_consent(case, advice_request.centre)
        if advice_request.identity_consent_id
        else None
    )
    if consent is None or consent.pk != advice_request.identity_consent_id:
        return "本人（匿名）"
    basis = Basis(BASIS_CONSENT, consent.pk, frozenset({InfoKind.BASIC.value}), True)
    audit_disclosure(user, basis=basis, obj=case, person_id=case.person_id, request=request)
    return person_label(case.person, shows_identity=True)


@require_POST
def advice_answer(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    advice_request = get_for_user(
        user, advice_queryset(), pk, right=Right.GIVE_SPECIALIST_ADVICE, request=request
    )
    if user.organisation_id != advice_request.centre_id:
        raise deny(user, right=Right.GIVE_SPECIALIST_ADVICE, request=request, obj=advice_request)
    form = AdviceForm(request.POST)
    if form.is_valid():
        try:
            advice_give(
                advice_request=advice_request, data=form.cleaned_data, by=user, request=request
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "助言を記録しました。依頼した機関のケースに表示されます。")
            return redirect("advice_detail", pk=advice_request.pk)
    return render_advice_detail(request, user, advice_request, form)


@require_POST
def advice_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    advice_request = get_for_user(
        user, advice_queryset(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    if user.organisation_id != advice_request.organisation_id:
        raise deny(user, right=Right.EDIT_PERSONAL_DATA, request=request, obj=advice_request)
    advice_request_close(advice_request=advice_request, by=user, request=request)
    messages.success(request, "依頼を終了しました。")
    return redirect("advice_detail", pk=advice_request.pk)
