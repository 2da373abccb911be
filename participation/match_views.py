"""The matching pages: offers for a case (参加先を探す) and persons for an offer (合いそうな人)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import request_user
from accounts.roles import Right
from cases.access import SUMMARY_FIELDS, case_context, load_case
from participation.access import load_offer
from participation.match_forms import WishesForm, initial_of
from participation.matching import persons_for_offer, rank_offers, wishes_from_assessment
from people.access import hidden_person_ids

# What the page reads of the case and its latest assessment for the pre-fill (audited).
CASE_MATCH_FIELDS = (
    *SUMMARY_FIELDS,
    "assessment.outing_level",
    "assessment.guideline_stage",
    "assessment.self_reliance_stage",
)
OFFERS_SHOWN = 10
PERSONS_SHOWN = 20


def offers_for_case(request: HttpRequest, pk: int) -> HttpResponse:
    """The wishes, pre-filled from the latest assessment, and the offers that fit best.
    The list changes nothing, so the form is a GET form and the page can be bookmarked."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=CASE_MATCH_FIELDS)
    prefill = wishes_from_assessment(case)
    searched = "searched" in request.GET
    form = WishesForm(request.GET) if searched else WishesForm(initial=initial_of(prefill))
    matches = None
    if not searched:
        matches = rank_offers(user, prefill, limit=OFFERS_SHOWN)
    elif form.is_valid():
        matches = rank_offers(user, form.wishes(), limit=OFFERS_SHOWN)
    return render(
        request,
        "participation/match_case.html",
        {
            **case_context(user, case),
            "form": form,
            "basis": prefill.basis,
            "matches": matches,
            "searched": searched,
            "limit": OFFERS_SHOWN,
            # Each offer found links on to the proposal, for the workers who record it.
            "can_propose": case.is_open and user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def persons_for_offer_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The open cases of the worker's own organisation whose latest assessment fits the offer.
    Only the worker sees this list; nothing of it reaches the host."""
    user = request_user(request)
    offer = load_offer(request, user, pk)
    fits = persons_for_offer(user, offer, limit=PERSONS_SHOWN, request=request)
    return render(
        request,
        "participation/match_offer.html",
        {
            "offer": offer,
            "fits": fits,
            "hidden_ids": hidden_person_ids(user, [fit.case.person for fit in fits]),
            "limit": PERSONS_SHOWN,
        },
    )
