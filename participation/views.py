"""The host registry pages (受入先): list, detail, forms for hosts, development visits, site
tours, suggestions and offers. Thin: access function, form, service, redirect."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q, QuerySet, Window
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.access import audit_list_read, request_user, require_right, visible_to
from accounts.models import User
from participation.access import (
    READ_RIGHT,
    WRITE_RIGHT,
    can_edit_host,
    load_host,
    load_offer,
    load_suggestion,
    visible_hosts,
)
from participation.forms import (
    DecisionForm,
    HostForm,
    OfferForm,
    SuggestionForm,
    TourForm,
    VisitForm,
)
from participation.list_forms import (
    DEFAULT_HOST_SORT,
    HOST_SORTS,
    HostFilterForm,
    with_choice_order,
)
from participation.models import (
    ACTIVE_STAGES,
    Host,
    HostSuggestion,
    Offer,
    Placement,
    PlacementStage,
)
from participation.services import (
    host_create,
    host_edit,
    offer_create,
    offer_edit,
    suggested_changes,
    suggestion_accept,
    suggestion_decline,
    suggestion_file,
    tour_attendee_choices,
    tour_record,
    visit_record,
)
from tsunagu.forms import saved_or_shown, show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

ACTIVE_PLACEMENTS = Q(placements__stage__in=ACTIVE_STAGES)
# The placements of the viewer's own cases listed on the host page; the rest are counted.
HOST_PLACEMENT_ROWS = 20
PLACEMENT_LIST_FIELDS = ("case", "offer", "stage", "started_on")


def with_places_taken(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """`taken`: the places held by active placements, counted in the same query."""
    return offers.annotate(taken=Count("placements", filter=ACTIVE_PLACEMENTS))


@require_GET
def host_list(request: HttpRequest) -> HttpResponse:
    """The hosts the worker sees, one page at a time, filtered and sorted in SQL. Not personal
    data: scoped by `participation.access.visible_hosts`, no audit row of the read."""
    user = request_user(request)
    require_right(user, READ_RIGHT, request=request)
    filters = HostFilterForm(request.GET)
    hosts = filters.apply(visible_hosts(user), user.organisation_id).annotate(
        offer_count=Count("offers", filter=Q(offers__is_active=True))
    )
    listing = ListPage.read_scoped(
        request, with_choice_order(hosts), sorts=HOST_SORTS, default_sort=DEFAULT_HOST_SORT
    )
    return render(
        request,
        "participation/host_list.html",
        {
            "filters": filters,
            "hosts": listing.records,
            "listing": listing,
            "can_add": user.has_right(WRITE_RIGHT),
        },
    )


def host_new(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, WRITE_RIGHT, request=request)
    form = HostForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            host = host_create(data=form.host_data(), by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{host.name}を受入先に登録しました。")
            return redirect("host_detail", pk=host.pk)
    return render(request, "participation/host_form.html", {"form": form, "host": None})


@require_GET
def host_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    host = load_host(request, user, pk)
    owner = can_edit_host(user, host)
    offers = list(with_places_taken(host.offers.order_by("-is_active", "title", "id")))
    for offer in offers:
        offer.free = offer.places_free(offer.taken)  # type: ignore[attr-defined]
    tours = host.tours.prefetch_related(
        Prefetch("attendees", queryset=User.objects.select_related("organisation"))
    )
    suggestions = host.suggestions.select_related("suggested_by__organisation", "decided_by")
    placements = host_placements(user, host, request)
    if not owner:
        # Another organisation's worker sees only the suggestions they made.
        suggestions = suggestions.filter(suggested_by=user)
    return render(
        request,
        "participation/host_detail.html",
        {
            "host": host,
            "can_edit": owner,
            "can_suggest": not host.is_owned_by(user) and user.has_right(WRITE_RIGHT),
            "offers": offers,
            "visits": list(host.visits.select_related("worker")),
            "tours": list(tours),
            "suggestions": list(suggestions),
            "placements": placements,
        },
    )


def host_placements(user: User, host: Host, request: HttpRequest) -> dict[str, Any]:
    """The host page's 参加: the number of placements at each stage over all the host's offers,
    and the newest rows of the cases the viewer may open (case number, offer, stage). Another
    organisation's placements are only counted: the host page names no person and no case the
    viewer may not open. Two queries whatever the number of placements; the rows are audited."""
    at_host = Placement.objects.filter(offer__host=host)
    by_stage = dict(
        at_host.order_by().values_list("stage").annotate(n=Count("pk")).values_list("stage", "n")
    )
    stage_counts = [(label, by_stage.get(value, 0)) for value, label in PlacementStage.choices]
    rows = list(
        visible_to(user, at_host)
        .select_related("offer")
        .only("case", "stage", "started_on", "proposed_on", "offer__title")
        .annotate(own_total=Window(Count("pk")))
        .order_by("-proposed_on", "-id")[:HOST_PLACEMENT_ROWS]
    )
    own_total = getattr(rows[0], "own_total", 0) if rows else 0
    if rows:
        audit_list_read(user, rows, model=Placement, request=request, fields=PLACEMENT_LIST_FIELDS)
    total = sum(by_stage.values())
    return {
        "total": total,
        "stage_counts": stage_counts,
        "rows": rows,
        "own_total": own_total,
        "others": total - own_total,
    }


def host_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    host = load_host(request, user, pk, write=True)
    if request.method != "POST":
        form = HostForm(initial=HostForm.initial_of(host))
    else:
        form = HostForm(request.POST)
        if form.is_valid() and saved_or_shown(
            form,
            lambda: host_edit(
                host=host,
                data=form.host_data(),
                version=form.cleaned_data["version"] or 0,
                by=user,
                request=request,
            ),
        ):
            messages.success(request, "受入先の記録を更新しました。")
            return redirect("host_detail", pk=host.pk)
    return render(request, "participation/host_form.html", {"form": form, "host": host})


def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    host = load_host(request, user, pk, write=True)
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            visit_record(host=host, data=form.cleaned_data, by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "開拓の訪問を記録しました。")
            return redirect(f"{host_url(host)}#host-visits")
    return render(request, "participation/visit_form.html", {"form": form, "host": host})


def tour_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    host = load_host(request, user, pk, write=True)
    form = TourForm(request.POST or None, staff=tour_attendee_choices(host))
    if request.method == "POST" and form.is_valid():
        try:
            tour_record(
                host=host,
                held_on=form.cleaned_data["held_on"],
                notes=form.cleaned_data["notes"],
                attendees=form.cleaned_data["attendees"],
                by=user,
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "見学会を記録しました。")
            return redirect(f"{host_url(host)}#host-tours")
    return render(request, "participation/tour_form.html", {"form": form, "host": host})


def suggestion_new(request: HttpRequest, pk: int) -> HttpResponse:
    """A worker of another organisation proposes changes to a host they see."""
    user = request_user(request)
    host = load_host(request, user, pk, right=WRITE_RIGHT)
    if host.is_owned_by(user):
        return redirect("host_edit", pk=host.pk)  # the owner's staff edit directly
    if request.method != "POST":
        form = SuggestionForm(initial=HostForm.initial_of(host))
    else:
        form = SuggestionForm(request.POST)
        if form.is_valid():
            try:
                suggestion_file(
                    host=host,
                    changes=suggested_changes(host, form.host_data()),
                    note=form.cleaned_data["note"],
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(
                    request, f"変更を提案しました。{host.owner.name}の職員が確認して判断します。"
                )
                return redirect("host_detail", pk=host.pk)
    return render(request, "participation/suggestion_form.html", {"form": form, "host": host})


def suggestion_decide(request: HttpRequest, pk: int, suggestion_pk: int) -> HttpResponse:
    """The owner's staff apply a suggestion (a versioned edit of the host) or decline it."""
    user = request_user(request)
    host = load_host(request, user, pk, write=True)
    suggestion = load_suggestion(request, user, suggestion_pk)
    if suggestion.host_id != host.pk:
        return redirect("suggestion_decide", pk=suggestion.host_id, suggestion_pk=suggestion.pk)
    form = DecisionForm(request.POST or None, initial={"version": host.version})
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "accept":
                suggestion_accept(
                    suggestion=suggestion,
                    version=form.cleaned_data["version"],
                    by=user,
                    request=request,
                )
                messages.success(request, "提案を受入先の記録に反映しました。")
            else:
                suggestion_decline(
                    suggestion=suggestion,
                    note=form.cleaned_data["decision_note"],
                    by=user,
                    request=request,
                )
                messages.success(request, "提案を見送りました。")
        except ValidationError as error:
            show_refusal(form, error)
        except StaleVersionError as error:
            # Compare again with the record as it is now, then decide over that version.
            host.refresh_from_db()
            form = DecisionForm({"decision": "accept", "version": error.current_version})
            form.is_valid()
            form.add_error(None, f"{error} いまの記録と提案を見比べてから判断してください。")
        else:
            return redirect(f"{host_url(host)}#host-suggestions")
    return render(
        request,
        "participation/suggestion_decide.html",
        {
            "form": form,
            "host": host,
            "suggestion": suggestion,
            "rows": suggestion_rows(host, suggestion),
        },
    )


def suggestion_rows(host: Host, suggestion: HostSuggestion) -> list[dict[str, Any]]:
    """Each proposed field beside its value now, in words."""
    rows = []
    for name, proposed in suggestion.changes.items():
        field = Host._meta.get_field(name)
        choices = dict(getattr(field, "choices", None) or [])
        rows.append(
            {
                "label": verbose_name(Host, name),
                "now": _shown(getattr(host, name), choices),
                "proposed": _shown(proposed, choices),
            }
        )
    return rows


def _shown(value: Any, choices: dict[Any, Any]) -> str:
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    return str(choices.get(value, value)) if value not in ("", None) else "（空欄）"


def offer_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    host = load_host(request, user, pk, write=True)
    form = OfferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            offer = offer_create(host=host, data=form.offer_data(), by=user, request=request)
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"受入メニュー「{offer.title}」を登録しました。")
            return redirect("offer_detail", pk=offer.pk)
    return render(
        request, "participation/offer_form.html", {"form": form, "host": host, "offer": None}
    )


@require_GET
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    offer = load_offer(request, user, pk)
    return render(
        request,
        "participation/offer_detail.html",
        {
            "offer": offer,
            "host": offer.host,
            "places_free": offer.places_free(),
            "conditions": offer_conditions(offer),
            "can_edit": can_edit_host(user, offer.host),
        },
    )


def offer_conditions(offer: Offer) -> list[tuple[str, bool]]:
    """Each condition a withdrawn person cares about, in words, with whether the offer meets it."""
    return [
        (verbose_name(Offer, name), bool(getattr(offer, name))) for name in Offer.CONDITION_FIELDS
    ]


def offer_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    offer = load_offer(request, user, pk, write=True)
    if request.method != "POST":
        form = OfferForm(initial=OfferForm.initial_of(offer))
    else:
        form = OfferForm(request.POST)
        if form.is_valid() and saved_or_shown(
            form,
            lambda: offer_edit(
                offer=offer,
                data=form.offer_data(),
                version=form.cleaned_data["version"] or 0,
                by=user,
                request=request,
            ),
        ):
            messages.success(request, "受入メニューを更新しました。")
            return redirect("offer_detail", pk=offer.pk)
    return render(
        request,
        "participation/offer_form.html",
        {"form": form, "host": offer.host, "offer": offer},
    )


def verbose_name(model: type[Host] | type[Offer], name: str) -> str:
    return str(getattr(model._meta.get_field(name), "verbose_name", name))


def host_url(host: Host) -> str:
    return reverse("host_detail", args=[host.pk])
