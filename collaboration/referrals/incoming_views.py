"""Referrals made to the user's organisation (受け取ったつなぎ), as their receiver sees them."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import request_user, require_right
from accounts.roles import Right
from collaboration.models import Referral
from collaboration.referrals.access import received_referral_for_user, received_referrals
from collaboration.referrals.forms import ACTION_STATES, ReceiverAction, ReceiverActionForm
from collaboration.referrals.list_forms import (
    DEFAULT_INCOMING_SORT,
    INCOMING_SORTS,
    ReferralFilterForm,
)
from collaboration.referrals.services import (
    referral_accept,
    referral_connected,
    referral_decline,
    states_for,
)
from collaboration.referrals.views import was_corrected
from collaboration.sharing.access import (
    audit_received_referrals,
    received_referral_identities,
    referral_grants_access,
)
from tsunagu.forms import show_refusal
from tsunagu.listing import PAGE_SIZE, ListPage, parse_page, parse_sort, sql_ordering
from tsunagu.versioning import StaleVersionError


def referral_incoming(request: HttpRequest) -> HttpResponse:
    """The referrals made to the user's organisation, one page at a time, open ones first by
    default; each row shown is a disclosure to the receiver."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    filters = ReferralFilterForm(request.GET)
    listing = received_page(request, filters.apply(received_referrals(user)))
    identities = received_referral_identities(listing.records)
    audit_received_referrals(user, listing.records, identities, request=request)
    return render(
        request,
        "collaboration/referral_incoming_list.html",
        {
            "listing": listing,
            "filters": filters,
            "rows": [(referral, identities[referral.pk]) for referral in listing],
        },
    )


def received_page(request: HttpRequest, queryset: QuerySet[Referral]) -> ListPage[Referral]:
    """One page of received referrals, as `ListPage.read` reads a page of the user's own records
    (the receiver's scope is the referral's agency, not its owner, so the page is read here and
    audited as disclosures by the caller)."""
    sort, descending = parse_sort(request.GET.get("sort"), INCOMING_SORTS, DEFAULT_INCOMING_SORT)
    number = parse_page(request.GET.get("page"))
    offset = (number - 1) * PAGE_SIZE
    records = list(queryset.order_by(*sql_ordering(sort, descending))[offset : offset + PAGE_SIZE])
    kept = request.GET.copy()
    kept.pop("page", None)
    return ListPage(
        records, queryset.count(), number, PAGE_SIZE, sort, descending, INCOMING_SORTS, kept
    )


def referral_incoming_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The receiver's page of a referral, and its answer: accept, decline, the first meeting."""
    user = request_user(request)
    right = Right.EDIT_PERSONAL_DATA if request.method == "POST" else Right.VIEW_PERSONAL_DATA
    referral, shows_identity = received_referral_for_user(user, pk, right=right, request=request)
    form = ReceiverActionForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            updated = receiver_move(request, referral, form.cleaned_data)
        except ValidationError as error:
            show_refusal(form, error, names={"state": "action"})
        except StaleVersionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"「{updated.get_state_display()}」を記録しました。")
            return redirect("referral_incoming_detail", pk=referral.pk)
    return render_incoming_detail(request, referral, shows_identity, form=form)


def receiver_move(request: HttpRequest, referral: Referral, data: dict[str, Any]) -> Referral:
    user = request_user(request)
    common: dict[str, Any] = {
        "referral": referral,
        "version": data["version"],
        "by": user,
        "request": request,
    }
    if data["action"] == ReceiverAction.ACCEPT:
        return referral_accept(**common)
    if data["action"] == ReceiverAction.DECLINE:
        return referral_decline(**common, reason=data["reason"])
    return referral_connected(**common, met_on=data["met_on"])


def render_incoming_detail(
    request: HttpRequest, referral: Referral, shows_identity: bool, *, form: ReceiverActionForm
) -> HttpResponse:
    user = request_user(request)
    offered = states_for(referral, user) if user.has_right(Right.EDIT_PERSONAL_DATA) else ()
    # The case opens on the shared pages once the referral is accepted (its own basis).
    case_shared = referral.case_id is not None and referral_grants_access(
        referral, timezone.localdate()
    )
    return render(
        request,
        "collaboration/referral_incoming_detail.html",
        {
            "referral": referral,
            "shows_identity": shows_identity,
            "case_shared": case_shared,
            "form": form,
            "offered": {str(action): ACTION_STATES[action] in offered for action in ReceiverAction},
            # The sender's corrections are its own record (no versions page here): only said.
            "is_corrected": was_corrected(referral),
        },
    )
