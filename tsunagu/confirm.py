"""The confirm step of a risky action (closing a case, ending a membership, withdrawing a
consent, merging two persons): the first POST shows what will happen and changes nothing; the
page sends the same input again with `confirmed=yes`, and only that POST does it.

A page of its own, not a script's dialog: the CSP forbids inline JavaScript, and a page can say
in full what will happen and offer 「戻る」.
"""

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRMED_FIELD = "confirmed"
CONFIRMED_VALUE = "yes"
# Not sent again: the page writes its own token and the confirmation.
NOT_CARRIED = ("csrfmiddlewaretoken", CONFIRMED_FIELD)


def is_confirmed(request: HttpRequest) -> bool:
    return request.POST.get(CONFIRMED_FIELD) == CONFIRMED_VALUE


@dataclass(frozen=True)
class Confirmation:
    """What the confirm page shows: the action, its details and what will follow from it."""

    heading: str
    details: list[tuple[str, str]]
    consequences: list[str]
    button: str
    back_url: str
    warnings: list[str] = field(default_factory=list)


def confirm_page(request: HttpRequest, confirmation: Confirmation) -> HttpResponse:
    """The confirm page, carrying the POSTed input unchanged to the same address."""
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]
    return render(
        request,
        "confirm.html",
        {
            "confirmation": confirmation,
            "carried": carried,
            "action_url": request.path,
            "confirmed_field": CONFIRMED_FIELD,
            "confirmed_value": CONFIRMED_VALUE,
        },
    )
