"""A supporter's own pages: their dispatches, with only what they need, and the report."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import request_user
from supporters.access import get_own_dispatch, list_own_dispatches
from supporters.forms import ReportForm
from supporters.models import Dispatch
from supporters.services import report_file
from tsunagu.forms import show_refusal


def my_dispatches(request: HttpRequest) -> HttpResponse:
    dispatches = list_own_dispatches(request_user(request), request=request)
    now = timezone.now()
    return render(
        request,
        "supporters/my_dispatches.html",
        {
            "upcoming": sorted(
                (d for d in dispatches if d.state == Dispatch.State.PLANNED and d.starts_at >= now),
                key=lambda d: d.starts_at,
            ),
            "waiting_report": [
                d for d in dispatches if d.state == Dispatch.State.PLANNED and d.starts_at < now
            ],
            "past": [d for d in dispatches if d.state != Dispatch.State.PLANNED],
        },
    )


def my_dispatch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dispatch = get_own_dispatch(request_user(request), pk, request=request)
    return render_my_dispatch(request, dispatch, ReportForm())


def render_my_dispatch(request: HttpRequest, dispatch: Dispatch, form: ReportForm) -> HttpResponse:
    return render(
        request,
        "supporters/my_dispatch_detail.html",
        {
            "dispatch": dispatch,
            "report": getattr(dispatch, "report", None),
            "form": form,
            "can_report": dispatch.state == Dispatch.State.PLANNED
            and dispatch.starts_at <= timezone.now(),
        },
    )


def my_dispatch_report(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    dispatch = get_own_dispatch(user, pk, request=request)
    if request.method != "POST":
        return redirect("my_dispatch_detail", pk=dispatch.pk)
    form = ReportForm(request.POST)
    if form.is_valid():
        try:
            report_file(dispatch=dispatch, data=form.report_data(), by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request, "報告を提出しました。担当職員に届きます。ありがとうございました。"
            )
            return redirect("my_dispatches")
    return render_my_dispatch(request, dispatch, form)
