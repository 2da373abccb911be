"""The agency directory (地域資源): the agencies of the user's municipality and prefecture."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.access import (
    request_user,
    require_right,
)
from accounts.roles import Right
from collaboration.directory.forms import (
    AgencyForm,
    AgencySearchForm,
    directory_local_governments,
)
from collaboration.directory.services import agency_create, directory_for
from tsunagu.forms import show_refusal

AGENCY_LIST_LIMIT = 200


def agency_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    form = AgencySearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    agencies = directory_for(user, query=filters.get("q", ""), category=filters.get("category", ""))
    shown = list(agencies[: AGENCY_LIST_LIMIT + 1])
    return render(
        request,
        "collaboration/agency_list.html",
        {
            "form": form,
            "agencies": shown[:AGENCY_LIST_LIMIT],
            "truncated": len(shown) > AGENCY_LIST_LIMIT,
            "limit": AGENCY_LIST_LIMIT,
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def agency_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    governments = directory_local_governments(user)
    form = AgencyForm(request.POST or None, governments=governments)
    if request.method == "POST" and form.is_valid():
        try:
            agency = agency_create(
                data=form.cleaned_data,
                local_government=form.cleaned_data["local_government"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{agency.name}を地域資源に追加しました。")
            return redirect("agency_list")
    return render(request, "collaboration/agency_form.html", {"form": form})
