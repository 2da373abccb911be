"""Assessments: each save adds a new dated version; earlier versions stay viewable.

The 要配慮個人情報 (medical flags, medical history) are shown and editable only for the case's lead
worker and team, and every view of them is audited. Others may add a version; its sensitive
fields are then carried over unchanged from the previous version.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import request_user
from accounts.middleware import kept_form_data
from accounts.roles import Right
from cases.access import SUMMARY_FIELDS, can_see_sensitive, case_context, load_case
from cases.forms import AssessmentForm, domain_rows, medical_flag_labels
from cases.services import assessment_add
from cases.views import SENSITIVE_NOTE, audit_sensitive_read
from tsunagu.forms import show_refusal

ASSESSMENT_FIELDS = ("assessments",)


def assessment_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=ASSESSMENT_FIELDS)
    show_sensitive = can_see_sensitive(user, case)
    previous = case.assessments.order_by("-number").first()
    if request.method == "POST":
        form = AssessmentForm(request.POST, show_sensitive=show_sensitive)
        if form.is_valid():
            try:
                assessment = assessment_add(
                    case=case, data=form.assessment_data(), by=user, request=request
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"アセスメント第{assessment.number}版を保存しました。")
                return redirect("case_detail", pk=case.pk)
    elif (kept := kept_form_data(request)) is not None:
        form = AssessmentForm(kept, show_sensitive=show_sensitive)
        messages.info(
            request,
            "ログインの有効期限が切れる前に入力していた内容を復元しました。確認して保存してください。",
        )
    else:
        form = AssessmentForm(
            initial=AssessmentForm.initial_from(previous, sensitive=show_sensitive),
            show_sensitive=show_sensitive,
        )
        if previous is not None and show_sensitive:
            audit_sensitive_read(request, previous)
    return render(
        request,
        "cases/assessment_form.html",
        case_context(user, case)
        | {
            "form": form,
            "previous": previous,
            "show_sensitive": show_sensitive,
            "sensitive_note": SENSITIVE_NOTE,
        },
    )


def assessment_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(
        request, pk, right=Right.VIEW_PERSONAL_DATA, fields=(*SUMMARY_FIELDS, "assessment")
    )
    assessment = case.assessments.select_related("created_by").filter(number=number).first()
    if assessment is None:
        raise Http404("該当するアセスメントがありません。")
    show_sensitive = can_see_sensitive(user, case)
    if show_sensitive:
        audit_sensitive_read(request, assessment)
    return render(
        request,
        "cases/assessment_detail.html",
        case_context(user, case)
        | {
            "assessment": assessment,
            "versions": case.assessments.order_by("-number").values_list("number", "assessed_on"),
            "show_sensitive": show_sensitive,
            "sensitive_note": SENSITIVE_NOTE,
            "domains": domain_rows(assessment),
            "medical_flags": medical_flag_labels(assessment.medical_flags)
            if show_sensitive
            else [],
        },
    )
