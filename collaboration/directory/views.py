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
from collaboration.directory.forms import AgencyForm, directory_local_governments
from collaboration.directory.list_forms import (
    AGENCY_SORTS,
    DEFAULT_AGENCY_SORT,
    AgencyFilterForm,
    with_category_order,
)
from collaboration.directory.services import agency_create, directory_for
from tsunagu.forms import show_refusal
from tsunagu.listing import ListPage


def agency_list(request: HttpRequest) -> HttpResponse:
    """The directory one page at a time, filtered (collaboration.directory.services.directory_for,
    the one rule of every door) and sorted in SQL. Not personal data: no audit row of the read."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    filters = AgencyFilterForm(request.GET)
    agencies = directory_for(
        user, query=filters.value("q") or "", category=filters.value("category") or ""
    )
    listing = ListPage.read_scoped(
        request, with_category_order(agencies), sorts=AGENCY_SORTS, default_sort=DEFAULT_AGENCY_SORT
    )
    return render(
        request,
        "collaboration/agency_list.html",
        {
            "filters": filters,
            "agencies": listing.records,
            "listing": listing,
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
