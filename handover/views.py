"""The hand-over page of a staff member (the administrator, own organisation) and the case
list's change of lead for selected cases (a worker who may write the cases).

The hand-over page shows what each item is by number, kind and dates only: an administrator
holds no right to read case records (accounts.roles), and the page is theirs."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.access import audit_list_read, get_for_user, list_for_user, request_user
from accounts.models import User
from accounts.roles import Right
from cases.access import case_queryset
from cases.models import Case
from handover.forms import CaseLeadBulkForm, HandoverItemForm, RecipientForm
from handover.services import (
    HELD,
    Kind,
    cases_lead_change,
    handover_all,
    handover_item,
    recipient_candidates,
    remaining_work,
)
from tsunagu.forms import error_text, show_refusal

PAGE_SIZE = 20
HANDOVER_FIELDS = ("lead_worker", "owner", "worker", "referred_by")
# What each kind's rows show (numbers, kinds and dates; no names, no free text).
ROW_QUERIES: dict[str, Callable[[QuerySet], QuerySet]] = {  # type: ignore[type-arg]
    Kind.CASE: lambda held: held.only("pk", "stage", "opened_on", "last_contact_on"),
    Kind.ACTION_ITEM: lambda held: held.select_related("meeting").only(
        "pk", "due_on", "meeting__id", "meeting__held_at", "meeting__kind"
    ),
    Kind.DISPATCH: lambda held: held.only("pk", "kind", "starts_at", "case_id"),
    Kind.REFERRAL: lambda held: held.only("pk", "state", "referred_on", "follow_up_on", "case_id"),
}
AUDIT_TYPES: dict[str, str] = {
    Kind.CASE: "cases.case",
    Kind.ACTION_ITEM: "collaboration.actionitem",
    Kind.DISPATCH: "supporters.dispatch",
    Kind.REFERRAL: "collaboration.referral",
}


def _staff(request: HttpRequest, pk: int) -> User:
    return get_for_user(
        request_user(request),
        User.objects.select_related("organisation").prefetch_related("staff_roles"),
        pk,
        right=Right.MANAGE_STAFF,
        request=request,
        fields=("handover",),
    )


def handover_page(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    return _render(request, staff)


def _render(request: HttpRequest, staff: User, **forms: object) -> HttpResponse:
    candidates = recipient_candidates(staff)
    pages: dict[str, Page] = {}  # type: ignore[type-arg]
    for kind, held in HELD.items():
        rows = ROW_QUERIES[kind](held(staff)).order_by("pk")
        pages[kind] = Paginator(rows, PAGE_SIZE).get_page(request.GET.get(f"{kind}_page"))
    audit_list_read(
        request_user(request),
        [staff],
        model=User,
        request=request,
        fields=HANDOVER_FIELDS,
        also={AUDIT_TYPES[kind]: [row.pk for row in page] for kind, page in pages.items()},
    )
    sections = [
        {
            "kind": kind,
            "label": Kind(kind).label,
            "page": page,
            "rows": [
                (
                    row,
                    HandoverItemForm(candidates=candidates, initial={"kind": kind, "item": row.pk}),
                )
                for row in page
            ],
        }
        for kind, page in pages.items()
    ]
    return render(
        request,
        "handover/handover.html",
        {
            "staff": staff,
            "remaining": remaining_work(staff),
            "sections": sections,
            "all_form": forms.get("all_form") or RecipientForm(candidates=candidates),
            "item_error": forms.get("item_error"),
        },
    )


@require_POST
def handover_all_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    form = RecipientForm(request.POST, candidates=recipient_candidates(staff))
    if not form.is_valid():
        return _render(request, staff, all_form=form)
    try:
        handed = handover_all(
            staff=staff,
            to=form.recipient(),
            reason=form.cleaned_data["reason"],
            by=request_user(request),
            request=request,
        )
    except ValidationError as error:
        show_refusal(form, error)
        return _render(request, staff, all_form=form)
    messages.success(
        request,
        f"{staff} さんの仕事を {form.recipient()} さんに引き継ぎました（{handed.summary()}）。",
    )
    return redirect("handover", pk=staff.pk)


@require_POST
def handover_item_view(request: HttpRequest, pk: int) -> HttpResponse:
    staff = _staff(request, pk)
    form = HandoverItemForm(request.POST, candidates=recipient_candidates(staff))
    if not form.is_valid():
        messages.error(request, error_text(form))
        return redirect("handover", pk=staff.pk)
    try:
        handover_item(
            staff=staff,
            kind=form.cleaned_data["kind"],
            pk=form.cleaned_data["item"],
            to=form.recipient(),
            reason=form.cleaned_data["reason"],
            by=request_user(request),
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        label = Kind(form.cleaned_data["kind"]).label
        messages.success(
            request,
            f"{label} #{form.cleaned_data['item']} を {form.recipient()} さんに引き継ぎました。",
        )
    return redirect("handover", pk=staff.pk)


def lead_candidates_of(user: User) -> list[User]:
    """Who may lead the cases of the user's organisation (the case list's choice)."""
    return recipient_candidates(user) + ([user] if user.has_right(Right.EDIT_PERSONAL_DATA) else [])


@require_POST
def case_lead_bulk(request: HttpRequest) -> HttpResponse:
    """The lead of the selected cases to one worker, all or nothing, each in its history."""
    user = request_user(request)
    posted = [int(value) for value in request.POST.getlist("cases") if value.isdigit()]
    cases = list_for_user(
        user,
        case_queryset().filter(pk__in=posted).order_by("pk"),
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=("lead_worker",),
    )
    form = CaseLeadBulkForm(
        request.POST,
        candidates=lead_candidates_of(user),
        case_ids=[case.pk for case in cases],
    )
    back = request.POST.get("scope") == "organisation"
    target = reverse("case_list") + ("?scope=organisation" if back else "")
    if not form.is_valid():
        messages.error(request, error_text(form))
        return redirect(target)
    selected: list[Case] = [case for case in cases if case.pk in form.cleaned_data["cases"]]
    try:
        changed = cases_lead_change(
            cases=selected,
            new_lead=form.lead(),
            reason=form.cleaned_data["reason"],
            by=user,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages) + " どのケースも変えていません。")
    else:
        messages.success(
            request, f"{changed} 件のケースの主担当を {form.lead()} さんに変えました。"
        )
    return redirect(target)
