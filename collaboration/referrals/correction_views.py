"""Correcting a referral (訂正) by its sender, and the referral's previous versions.

The pages are the sender's: they load the referral as its detail page does (`get_for_user`, scoped
to the organisation that made it), so the organisation it was made to gets 404 here, as any other.
"""

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.access import audit_list_read, get_for_user, request_user
from accounts.models import User
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
from collaboration.models import Referral
from collaboration.referrals.forms import ReferralCorrectionForm
from collaboration.referrals.services import referral_correct
from collaboration.referrals.views import REFERRAL_FIELDS, referral_person_choices
from people.access import can_see_identity
from people.models import Person
from tsunagu.forms import Choices
from tsunagu.versioning import StaleVersionError


def _referral_for(request: HttpRequest, pk: int, right: Right) -> Referral:
    return get_for_user(
        request_user(request),
        Referral.objects.select_related(
            "agency", "person", "case__person", "referred_by"
        ).prefetch_related("person__team", "case__person__team"),
        pk,
        right=right,
        request=request,
        fields=REFERRAL_FIELDS,
    )


def person_choices(user: User, referral: Referral) -> Choices | None:
    """Whom the referral may be corrected to, as on creation (the case's person and household);
    the referral's own person stays a choice even if they have left the household since. None:
    no household to choose from, the person is not corrected."""
    if referral.case is None:
        return None
    choices = referral_person_choices(user, referral.case)
    if choices is None:
        return None
    if all(pk != referral.person_id for pk, _ in choices):
        choices.insert(0, (referral.person_id, _name(user, referral.person)))
    return choices


def _name(user: User, person: Person) -> str:
    return str(person) if can_see_identity(user, person) else person.restricted_label


def person_shown(user: User) -> dict[str, Callable[[Any], str]]:
    """A kept person is shown by name only where the user may see the identity (制限対象者)."""

    def shown(pk: Any) -> str:
        person = Person.objects.prefetch_related("team").filter(pk=pk).first()
        return _name(user, person) if person is not None else str(pk)

    return {"person": shown}


def referral_correct_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct a referral's purpose, follow-up date, 同行 and person with a reason; a stale save
    shows both versions."""
    user = request_user(request)
    referral = _referral_for(request, pk, Right.EDIT_PERSONAL_DATA)
    choices = person_choices(user, referral)
    stale: list[ChangeShown] | None = None
    if request.method != "POST":
        form = ReferralCorrectionForm(
            initial=ReferralCorrectionForm.initial_of(referral), person_choices=choices
        )
    else:
        form = ReferralCorrectionForm(request.POST, person_choices=choices)

        def save(cleaned: dict[str, Any]) -> Referral:
            return referral_correct(
                referral=referral,
                data=form.correction_data(),
                version=cleaned["version"],
                reason=cleaned["reason"],
                by=user,
                request=request,
            )

        outcome = save_correction(
            request,
            form,
            save=save,
            on_stale=lambda error: _stale(request, user, form, referral, choices, error),
        )
        if outcome.saved:
            return redirect("referral_versions", pk=referral.pk)
        form, stale = outcome.form, outcome.stale
    return render(
        request,
        "collaboration/referral_correct.html",
        {"referral": referral, "form": form, "stale": stale},
    )


def _stale(
    request: HttpRequest,
    user: User,
    form: ReferralCorrectionForm,
    referral: Referral,
    choices: Choices | None,
    error: StaleVersionError,
) -> tuple[list[ChangeShown], ReferralCorrectionForm]:
    """What is saved now beside the worker's input, and the input again at the saved version:
    saving it again (knowingly) corrects the version now saved."""
    saved = ReferralCorrectionForm.initial_of(Referral.objects.get(pk=referral.pk))
    stale = stale_differences(Referral, saved, form.correction_data(), person_shown(user))
    return stale, at_saved_version(
        request, error, lambda data: ReferralCorrectionForm(data, person_choices=choices)
    )


@require_GET
def referral_versions(request: HttpRequest, pk: int) -> HttpResponse:
    """The previous versions of a referral: who corrected it, when, why, old → new."""
    user = request_user(request)
    referral = _referral_for(request, pk, Right.VIEW_PERSONAL_DATA)
    kept = previous_versions(referral)
    # The old values are shown: one read row naming the versions and the referral.
    audit_list_read(
        user,
        kept,
        model=PreviousVersion,
        request=request,
        also={"collaboration.referral": [referral.pk]},
    )
    return render(
        request,
        "collaboration/referral_versions.html",
        {
            "referral": referral,
            "versions": versions_shown(Referral, kept, person_shown(user)),
            "can_correct": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )
