"""The agency directory (地域資源): the agencies of the user's municipality and prefecture."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from accounts.access import audit_list_read, request_user, require_right
from accounts.roles import Right
from audit.models import PreviousVersion
from audit.services import previous_versions
from audit.versions import (
    ChangeShown,
    at_saved_version,
    save_correction,
    stale_differences,
    versions_shown,
)
from collaboration.directory.forms import AgencyCorrectionForm, AgencyForm
from collaboration.directory.list_forms import (
    AGENCY_SORTS,
    DEFAULT_AGENCY_SORT,
    AgencyFilterForm,
    with_category_order,
)
from collaboration.directory.services import (
    agency_correct,
    agency_create,
    directory_for,
    directory_local_governments,
    editable_agencies,
    editable_government_ids,
)
from collaboration.models import Agency
from tsunagu.forms import show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError


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
            # The rows whose entry the user may correct (the directories they may add to).
            "editable_governments": editable_government_ids(user),
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


def agency_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a directory entry with a reason: staff who may add to its directory (another
    area's entry is 404); a stale save shows both versions."""
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    agency = get_object_or_404(editable_agencies(user), pk=pk)
    stale: list[ChangeShown] | None = None
    if request.method != "POST":
        form = AgencyCorrectionForm(initial=AgencyCorrectionForm.initial_of(agency))
    else:
        form = AgencyCorrectionForm(request.POST)

        def save(cleaned: dict[str, Any]) -> Agency:
            return agency_correct(
                agency=agency,
                data=form.correction_data(),
                version=cleaned["version"],
                reason=cleaned["reason"],
                by=user,
                request=request,
            )

        outcome = save_correction(
            request, form, save=save, on_stale=lambda error: _stale(request, form, agency, error)
        )
        if outcome.saved:
            return redirect("agency_versions", pk=agency.pk)
        form, stale = outcome.form, outcome.stale
    return render(
        request,
        "collaboration/agency_correct.html",
        {"agency": agency, "form": form, "stale": stale},
    )


def _stale(
    request: HttpRequest, form: AgencyCorrectionForm, agency: Agency, error: StaleVersionError
) -> tuple[list[ChangeShown], AgencyCorrectionForm]:
    """What is saved now beside the worker's input, and the input again at the saved version."""
    saved = AgencyCorrectionForm.initial_of(Agency.objects.get(pk=agency.pk))
    stale = stale_differences(Agency, saved, form.correction_data())
    again = at_saved_version(request, error, lambda data: AgencyCorrectionForm(data))
    return stale, again


@require_GET
def agency_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The previous versions of a directory entry, for everyone who reads the directory."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    agency = get_object_or_404(directory_for(user), pk=pk)
    kept = previous_versions(agency)
    # Not personal data, but the kept versions are read as every record's are: one audit row.
    audit_list_read(
        user, kept, model=PreviousVersion, request=request, also={"collaboration.agency": [pk]}
    )
    return render(
        request,
        "collaboration/agency_versions.html",
        {
            "agency": agency,
            "versions": versions_shown(Agency, kept),
            "can_correct": editable_agencies(user).filter(pk=agency.pk).exists()
            and user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )
