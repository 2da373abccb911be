"""Household pages: every member with relationship, age, and (later) open cases and agencies."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import (
    audit_list_read,
    get_for_user,
    own_organisation_id,
    request_user,
    require_right,
)
from accounts.roles import Right
from cases.involvement import household_cases
from collaboration.referrals.involvement import agencies_by_person
from community.involvement import household_attendance
from people.access import can_see_identity, require_identity
from people.confirm_views import membership_end_confirmation
from people.forms import HouseholdForm, MembershipForm
from people.household_list_forms import DEFAULT_HOUSEHOLD_SORT, HOUSEHOLD_SORTS, HouseholdFilterForm
from people.models import Household, HouseholdMembership, Person
from people.services import (
    ALREADY_LEFT,
    household_add_member,
    household_create,
    household_end_membership,
)
from tsunagu.confirm import confirm_page, is_confirmed
from tsunagu.forms import JapaneseDateField, error_text
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

MEMBER_FIELDS = ("label", "memberships", "members.name", "members.birth_date")


def household_list(request: HttpRequest) -> HttpResponse:
    """Households one page at a time, filtered and sorted in SQL (people.household_list_forms)."""
    today = timezone.localdate()
    current = Q(memberships__left_on__isnull=True) | Q(memberships__left_on__gte=today)
    filters = HouseholdFilterForm(request.GET)
    households = Household.objects.annotate(member_count=Count("memberships", filter=current))
    listing = ListPage.read(
        request,
        filters.apply(households),
        right=Right.VIEW_PERSONAL_DATA,
        sorts=HOUSEHOLD_SORTS,
        default_sort=DEFAULT_HOUSEHOLD_SORT,
        fields=("label",),
    )
    return render(
        request,
        "people/household_list.html",
        {"households": listing.records, "listing": listing, "filters": filters},
    )


def household_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    form = HouseholdForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in HouseholdForm.Meta.fields}
        household = household_create(
            organisation_id=own_organisation_id(user),
            data=data,
            by=user,
            request=request,
        )
        messages.success(request, f"{household} を作成しました。")
        return redirect("household_detail", pk=household.pk)
    return render(request, "people/household_form.html", {"form": form})


def household_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    household = get_for_user(
        user,
        Household.objects.prefetch_related(
            Prefetch(
                "memberships",
                queryset=HouseholdMembership.objects.select_related("person").prefetch_related(
                    "person__team"
                ),
            )
        ),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=MEMBER_FIELDS,
    )
    memberships = list(household.memberships.all())
    audit_list_read(
        user,
        [membership.person for membership in memberships],
        model=Person,
        request=request,
        fields=("family_name", "given_name", "alias", "birth_date"),
    )
    person_ids = [membership.person_id for membership in memberships]
    own_cases, cases_of = household_cases(user, household.pk, person_ids)
    agencies_of = agencies_by_person(user, person_ids)
    attendance = household_attendance(user, person_ids)
    for membership in memberships:
        membership.identity_visible = can_see_identity(user, membership.person)  # type: ignore[attr-defined]
        membership.cases = cases_of.get(membership.person_id, [])  # type: ignore[attr-defined]
        membership.agencies = agencies_of.get(membership.person_id, [])  # type: ignore[attr-defined]
        membership.community_attendance = attendance.get(membership.person_id, [])  # type: ignore[attr-defined]
    return render(
        request,
        "people/household_detail.html",
        {
            "household": household,
            "household_cases": own_cases,
            # The summary header (components/record_header.html), from the rows above.
            "current_member_count": sum(1 for membership in memberships if membership.is_current),
            "member_case_count": len(
                {case.pk for cases in cases_of.values() for case in cases}
                - {c.pk for c in own_cases}
            ),
            "has_restricted_member": any(m.person.is_restricted for m in memberships),
            "household_attendance": attendance,
            "membership_form": MembershipForm(),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


@require_POST
def household_add_member_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    household = get_for_user(
        user, Household.objects.all(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    form = MembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, "世帯員を追加できませんでした: " + error_text(form))
        return redirect("household_detail", pk=pk)
    person = get_for_user(
        user,
        Person.objects.current().prefetch_related("team"),
        form.cleaned_data["person"],
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
    )
    # Only the team may place a restricted person (DV, abuse) in a household.
    require_identity(user, person, request=request)
    data = {
        key: form.cleaned_data[key]
        for key in ("relationship", "joined_on", "lives_together", "is_key_contact")
    }
    try:
        household_add_member(
            household=household,
            person=person,
            data=data,
            version=form.cleaned_data["version"] or 0,
            by=user,
            request=request,
        )
    except (StaleVersionError, ValidationError) as error:
        messages.error(
            request, error.messages[0] if isinstance(error, ValidationError) else str(error)
        )
    else:
        messages.success(request, f"{person} さんを世帯員に加えました。")
    return redirect("household_detail", pk=pk)


@require_POST
def household_end_membership_view(
    request: HttpRequest, pk: int, membership_id: int
) -> HttpResponse:
    user = request_user(request)
    household = get_for_user(
        user, Household.objects.all(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    membership = household.memberships.filter(pk=membership_id, left_on__isnull=True).first()
    field = JapaneseDateField(required=True)
    try:
        left_on = field.clean(request.POST.get("left_on", ""))
    except ValidationError as error:
        messages.error(request, f"離脱日を確認してください: {error.messages[0]}")
        return redirect("household_detail", pk=pk)
    if membership is None:
        messages.error(request, ALREADY_LEFT)
    elif not is_confirmed(request):
        # The first POST shows what ending the membership does and changes nothing.
        try:
            return confirm_page(request, membership_end_confirmation(user, membership, left_on))
        except ValidationError as error:
            messages.error(request, error.messages[0])
    else:
        try:
            household_end_membership(
                membership=membership, left_on=left_on, by=user, request=request
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, "離脱日を記録しました。")
    return redirect("household_detail", pk=pk)
