"""Pages for persons: search, create (with probable duplicates shown first), view, edit."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from accounts.access import (
    audit_list_read,
    get_for_user,
    own_organisation_id,
    request_user,
    require_right,
)
from accounts.models import User
from accounts.roles import Right
from collaboration.consent.status import VALID_CONSENT, consent_status
from people.access import (
    DETAIL_FIELDS,
    IDENTITY_FIELDS,
    can_see_identity,
    person_for_edit,
    persons_for_search,
)
from people.duplicates import find_duplicates
from people.forms import PersonForm
from people.hub_views import PersonHub, has_valid_consent, person_hub
from people.models import Person, PersonMerge
from people.search import SearchHit, search_page, search_persons
from people.services import person_create, person_update
from tsunagu.listing import PAGE_SIZE, ListPage, Sort, parse_page
from tsunagu.versioning import StaleVersionError

# A search is ranked by how well each person matches, not by a column: no sort headers.
SEARCH_ORDER = Sort("match", "一致の順", ())


def person_list(request: HttpRequest) -> HttpResponse:
    """The search for persons, one page of fifty hits at a time; an empty search reads nothing."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    query = request.GET.get("q", "").strip()[:100]
    number = parse_page(request.GET.get("page"))
    hits: list[SearchHit] = []
    total = 0
    if query:
        scope = persons_for_search(user, Person.objects.current())
        hits, total = search_page(scope, query, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
        shown = [hit.person for hit in hits]
        audit_list_read(user, shown, model=Person, request=request, fields=IDENTITY_FIELDS)
    kept = QueryDict(mutable=True)
    kept["q"] = query
    listing = ListPage(
        [hit.person for hit in hits],
        total,
        number,
        PAGE_SIZE,
        SEARCH_ORDER,
        False,
        (SEARCH_ORDER,),
        params=kept,
    )
    partial = getattr(request, "htmx", False)
    template = "people/person_list.html#results" if partial else "people/person_list.html"
    context = {
        "query": query,
        "hits": hits,
        "listing": listing,
        "can_merge": user.has_right(Right.MERGE_RECORDS),
    }
    return render(request, template, context)


def person_pick(request: HttpRequest) -> HttpResponse:
    """Radio choices of persons for a form (adding a household member): an htmx fragment."""
    user = request_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    query = request.GET.get("q", "").strip()[:100]
    hits = search_persons(persons_for_search(user, Person.objects.current()), query, limit=10)
    audit_list_read(
        user, [hit.person for hit in hits], model=Person, request=request, fields=IDENTITY_FIELDS
    )
    return render(request, "people/person_pick.html", {"hits": hits, "query": query})


def person_create_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    duplicates = []
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in PersonForm.Meta.fields}
        phone = form.cleaned_data.get("phone", "")
        organisation_id = own_organisation_id(user)
        candidate = Person(organisation_id=organisation_id, **data)
        candidate.refresh_keys()
        phones = {"".join(ch for ch in phone if ch.isdigit())} if phone else set()
        # Restricted persons the worker may not identify are not shown (they cannot be found by
        # name either); person_create still queues such a pair for the coordinators' review.
        scope = persons_for_search(user, Person.objects.current())
        duplicates = find_duplicates(candidate, phones, scope)
        if duplicates:
            audit_list_read(
                user,
                [d.person for d in duplicates],
                model=Person,
                request=request,
                fields=IDENTITY_FIELDS,
            )
        if not duplicates or request.POST.get("confirmed_new") == "1":
            person, _ = person_create(
                organisation_id=organisation_id,
                data=data,
                phone=phone,
                phone_kind=form.cleaned_data.get("phone_kind", ""),
                by=user,
                request=request,
            )
            messages.success(request, f"{person} さんの記録を作成しました。")
            return redirect("person_detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "duplicates": duplicates})


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's page, the hub of the person's records (people.hub_views)."""
    user = request_user(request)
    person = get_for_user(
        user,
        Person.objects.prefetch_related("phones", "team").select_related("merged_into"),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
    )
    show_identity = can_see_identity(user, person)
    merges = PersonMerge.objects.filter(kept=person).select_related("merged", "merged_by")
    # Case titles, households and the rest would name a restricted person: the hub is for those
    # who may see the identity, like the details above it.
    hub = person_hub(user, person, request) if show_identity else None
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "show_identity": show_identity,
            "hub": hub,
            **person_header(hub, user, person),
            "merges": merges,
            "can_merge": user.has_right(Right.MERGE_RECORDS),
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        },
    )


def person_header(hub: PersonHub | None, user: User, person: Person) -> dict[str, Any]:
    """The summary header's facts, read from the hub's rows: the current households, the open
    cases (and how many cases the hub did not show) and the consent status. One query of its own
    only when the person has more consents than the hub shows and none of those is valid."""
    if hub is None:
        return {}
    status = consent_status(consent.state_label() for consent in hub.consents.rows)
    beyond_rows = not status.ok and hub.consents.more
    if beyond_rows and has_valid_consent(user, person, timezone.localdate()):
        status = VALID_CONSENT
    return {
        "current_households": [row for row in hub.memberships.rows if row.left_on is None],
        "open_cases": [case for case in hub.cases.rows if case.is_open],
        # Cases beyond the hub's rows, open or not: counted, not read (the list has them all).
        "cases_not_shown": hub.cases.total - len(hub.cases.rows),
        "consent_status": status,
    }


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    person = person_for_edit(request, pk)
    if person.merged_into_id is not None:
        messages.error(
            request,
            f"この記録は #{person.merged_into_id} に統合されています。"
            "統合先の記録を編集してください。",
        )
        return redirect("person_detail", pk=person.pk)
    stale_person = None
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        data = {field: form.cleaned_data[field] for field in PersonForm.Meta.fields}
        try:
            person_update(
                person=person,
                data=data,
                version=form.cleaned_data["version"] or 0,
                by=user,
                request=request,
                confirm_lift_restriction=form.cleaned_data.get("confirm_lift_restriction", False),
            )
        except StaleVersionError as error:
            stale_person = Person.objects.get(pk=person.pk)
            form = _rebound_with_version(request, person, stale_person.version)
            form.add_error(None, str(error))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "保存しました。")
            return redirect("person_detail", pk=person.pk)
    return render(
        request,
        "people/person_form.html",
        {"form": form, "person": person, "stale_person": stale_person},
    )


def _rebound_with_version(request: HttpRequest, person: Person, version: int) -> PersonForm:
    """The worker's input again, now carrying the current version (saving again overwrites)."""
    data = request.POST.copy()
    data["version"] = str(version)
    form = PersonForm(data, instance=Person.objects.get(pk=person.pk))
    form.is_valid()
    return form
