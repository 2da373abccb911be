"""Referrals (つなぎ) followed until the person is connected."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import get_for_user, request_user
from accounts.models import User
from accounts.roles import Right
from audit.services import kept_versions_of
from cases.access import SUMMARY_FIELDS, case_context, load_case
from cases.models import Case
from collaboration.directory.forms import (
    agency_choices,
)
from collaboration.directory.services import directory_for
from collaboration.models import Referral, ReferralEvent
from collaboration.referrals.forms import ReferralForm, ReferralStateForm, follow_up_default
from collaboration.referrals.list_forms import (
    DEFAULT_SENT_SORT,
    SENT_SORTS,
    SentReferralFilterForm,
)
from collaboration.referrals.services import (
    REFERRAL_FROM_CLOSED_CASE,
    referral_create,
    referral_set_state,
)
from people.access import can_see_identity, hidden_person_ids
from people.models import HouseholdMembership
from tsunagu.forms import show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

REFERRAL_FIELDS = ("person", "agency", "purpose", "state", "follow_up_on", "events")
REFERRAL_LIST_FIELDS = ("person", "agency", "purpose", "state", "follow_up_on", "referred_on")


def was_corrected(record: Model) -> bool:
    """Corrected at least once (訂正あり): a previous version is kept. A referral's version also
    moves with its state, so the kept versions tell, not the version number."""
    return kept_versions_of(record).exists()


def referral_list(request: HttpRequest) -> HttpResponse:
    """The office's own referrals, one page at a time: by default those still open (打診中・受入),
    the earliest date to check on first (`collaboration.referrals.list_forms`)."""
    user = request_user(request)
    today = timezone.localdate()
    filters = SentReferralFilterForm(
        request.GET, agency_choices=agency_choices(list(directory_for(user))), today=today
    )
    queryset = Referral.objects.select_related("person", "agency").prefetch_related("person__team")
    listing = ListPage.read(
        request,
        filters.apply(queryset),
        right=Right.VIEW_PERSONAL_DATA,
        sorts=SENT_SORTS,
        default_sort=DEFAULT_SENT_SORT,
        fields=REFERRAL_LIST_FIELDS,
    )
    hidden = hidden_person_ids(user, [referral.person for referral in listing])
    return render(
        request,
        "collaboration/referral_list.html",
        {
            "listing": listing,
            "filters": filters,
            "rows": [
                (referral, referral.person_id not in hidden, referral.is_overdue(today))
                for referral in listing
            ],
        },
    )


def referral_person_choices(user: User, case: Case) -> list[tuple[int, str]] | None:
    """Whom the case may refer: its person and the current members of its household.

    None when the case has a person and no household: the person is the only choice.
    """
    if case.household_id is None:
        return None
    choices = household_person_choices(user, case.household_id)
    if case.person is not None and all(pk != case.person_id for pk, _ in choices):
        person = case.person
        name = str(person) if can_see_identity(user, person) else person.restricted_label
        choices.insert(0, (person.pk, f"{name}（本人）"))
    return choices


def household_person_choices(user: User, household_id: int) -> list[tuple[int, str]]:
    """The current members of a household, to choose whom to refer."""
    today = timezone.localdate()
    memberships = (
        HouseholdMembership.objects.filter(household_id=household_id)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=today))
        .select_related("person")
        .prefetch_related("person__team")
    )
    choices = []
    for membership in memberships:
        person = membership.person
        name = str(person) if can_see_identity(user, person) else person.restricted_label
        choices.append((person.pk, f"{name}（{membership.get_relationship_display()}）"))
    return choices


def referral_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    if not case.is_open:
        # Said before the form is filled in; the service refuses the same at every door.
        messages.error(request, REFERRAL_FROM_CLOSED_CASE)
        return redirect("case_detail", pk=case.pk)
    person_choices = referral_person_choices(user, case)
    kwargs = {
        "agency_choices": agency_choices(list(directory_for(user))),
        "person_choices": person_choices,
    }
    if request.method == "POST":
        form = ReferralForm(request.POST, **kwargs)  # type: ignore[arg-type]
        if form.is_valid():
            try:
                referral = referral_create(
                    organisation_id=case.organisation_id,
                    person_id=form.cleaned_data.get("person") or case.person_id or 0,
                    agency_id=form.cleaned_data["agency"],
                    purpose=form.cleaned_data["purpose"],
                    follow_up_on=form.cleaned_data["follow_up_on"],
                    accompanied=form.cleaned_data["accompanied"],
                    case=case,
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"{referral.agency}へのつなぎを記録しました。")
                return redirect("referral_detail", pk=referral.pk)
    else:
        form = ReferralForm(initial={"follow_up_on": follow_up_default()}, **kwargs)  # type: ignore[arg-type]
    return render(
        request,
        "collaboration/referral_form.html",
        case_context(user, case) | {"form": form, "has_agencies": bool(kwargs["agency_choices"])},
    )


def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    right = Right.EDIT_PERSONAL_DATA if request.method == "POST" else Right.VIEW_PERSONAL_DATA
    referral = get_for_user(
        user,
        Referral.objects.select_related(
            "agency", "person", "case__person", "referred_by"
        ).prefetch_related(
            "person__team",
            "case__person__team",
            Prefetch("events", queryset=ReferralEvent.objects.select_related("by__organisation")),
        ),
        pk,
        right=right,
        request=request,
        fields=REFERRAL_FIELDS,
    )
    form = ReferralStateForm(request.POST or None, referral=referral)
    if request.method == "POST" and form.is_valid():
        try:
            updated = referral_set_state(
                referral=referral,
                state=form.cleaned_data["state"],
                version=form.cleaned_data["version"],
                note=form.cleaned_data["note"],
                follow_up_on=form.cleaned_data["follow_up_on"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        except StaleVersionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"状態を「{updated.get_state_display()}」にしました。")
            return redirect("referral_detail", pk=referral.pk)
    return render(
        request,
        "collaboration/referral_detail.html",
        {
            "referral": referral,
            "form": form,
            "hidden_ids": hidden_person_ids(
                user, [referral.person, referral.case.person if referral.case else None]
            ),
            "is_overdue": referral.is_overdue(),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
            "is_corrected": was_corrected(referral),
        },
    )
