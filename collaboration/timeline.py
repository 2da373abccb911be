"""A case's timeline (/cases/<id>/timeline/): one list of everything that happened on the case.

Activities (支援経過), consultations, stage changes, referral events (each change of a つなぎ,
from the first 打診), and the meetings with the case on their agenda, newest first, filtered by
kind, one page at a time. The merge is done in SQL: a UNION ALL of one `(kind, at, id)` query
per kind, ordered and sliced to the page, and the total is a COUNT over the same UNION; then only
the page's records are loaded, one query per kind. So the cost is the same for ten entries or
ten thousand. It lives in collaboration, the lowest layer that holds all it reads (referrals and
meetings are here, above cases).

Access is the case page's: `cases.access.load_case` (404 outside the organisation, 403 without
the right); meetings only those the user may open (`accounts.access.visible_to`). The entries
shown are audited as one read naming their ids.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import CharField, F, Model, QuerySet, Value
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from accounts.access import audit_list_read, request_user, visible_to
from accounts.models import User
from accounts.roles import Right
from audit.services import object_type_of
from cases.access import case_context, load_case
from cases.models import Activity, Case, StageChange
from collaboration.models import Meeting, ReferralEvent
from consultations.models import Consultation
from tsunagu.listing import PAGE_SIZE, ListPage, Sort, parse_page

ACTIVITY = "activity"
CONSULTATION = "consultation"
STAGE = "stage"
REFERRAL = "referral"
MEETING = "meeting"
# The kinds in the order of the filter's checkboxes, with their labels.
KINDS: dict[str, str] = {
    ACTIVITY: "支援経過",
    CONSULTATION: "相談受付",
    STAGE: "段階の変更",
    REFERRAL: "つなぎ",
    MEETING: "会議",
}
# The timeline has one order, newest first; ListPage wants it named for the paging bar.
NEWEST_FIRST = Sort("at", "日時", ("-entry_at",))
# What the audit row names of the activities shown (the other kinds are named by id).
ACTIVITY_FIELDS = ("occurred_at", "kind", "content", "next_action", "participants")


@dataclass(frozen=True)
class Entry:
    """One line of the timeline: its kind, when, and the record itself."""

    kind: str
    at: datetime
    record: Any

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind]


def entries_of(queryset: QuerySet[Any], kind: str, at: str) -> QuerySet[Any]:
    """The `(entry_kind, entry_at, entry_id)` rows of one kind, for the UNION."""
    return (
        queryset.order_by()
        .annotate(
            entry_kind=Value(kind, output_field=CharField()),
            entry_at=F(at),
            entry_id=F("pk"),
        )
        .values("entry_kind", "entry_at", "entry_id")
    )


def sources(user: User, case: Case) -> dict[str, QuerySet[Any]]:
    """Each kind's records of `case` that `user` may see, as `(kind, at, id)` rows."""
    return {
        ACTIVITY: entries_of(Activity.objects.filter(case=case), ACTIVITY, "occurred_at"),
        CONSULTATION: entries_of(
            visible_to(user, Consultation.objects.filter(case=case)), CONSULTATION, "received_at"
        ),
        STAGE: entries_of(StageChange.objects.filter(case=case), STAGE, "at"),
        REFERRAL: entries_of(
            ReferralEvent.objects.filter(referral__in=visible_to(user, case.referrals.all())),
            REFERRAL,
            "at",
        ),
        MEETING: entries_of(
            visible_to(user, Meeting.objects.filter(agenda__case=case)), MEETING, "held_at"
        ),
    }


def loaders() -> dict[str, QuerySet[Any]]:
    """How each kind's records of a page are loaded, with what the template shows of them."""
    return {
        ACTIVITY: Activity.objects.select_related("recorded_by").prefetch_related("participants"),
        CONSULTATION: Consultation.objects.select_related("taken_by"),
        STAGE: StageChange.objects.select_related("by"),
        REFERRAL: ReferralEvent.objects.select_related("referral__agency", "by"),
        # The minutes are not shown here: not even decrypted.
        MEETING: Meeting.objects.defer("minutes"),
    }


def selected_kinds(params: QueryDict) -> list[str]:
    """The kinds asked for by the checkboxes; none (or only unknown ones) means every kind."""
    asked = [kind for kind in KINDS if kind in params.getlist("kind")]
    return asked or list(KINDS)


@dataclass(frozen=True)
class TimelinePage:
    listing: ListPage[Any]
    kinds: list[str]

    @property
    def filtered(self) -> bool:
        return len(self.kinds) < len(KINDS)


def read_timeline(
    user: User, case: Case, params: QueryDict, *, size: int = PAGE_SIZE
) -> TimelinePage:
    """One page of the case's timeline for `user`: a UNION query for the page, a COUNT over it,
    and one query per kind on the page for its records."""
    kinds = selected_kinds(params)
    wanted = sources(user, case)
    first, *rest = (wanted[kind] for kind in kinds)
    merged = first.union(*rest, all=True) if rest else first
    number = parse_page(params.get("page"))
    offset = (number - 1) * size
    rows = list(merged.order_by("-entry_at", "-entry_kind", "-entry_id")[offset : offset + size])
    records = load_records(rows)
    entries = [
        Entry(row["entry_kind"], row["entry_at"], records[row["entry_kind"]][row["entry_id"]])
        for row in rows
        if row["entry_id"] in records[row["entry_kind"]]
    ]
    kept = QueryDict(mutable=True)
    if len(kinds) < len(KINDS):
        kept.setlist("kind", kinds)
    listing = ListPage[Any](
        entries, merged.count(), number, size, NEWEST_FIRST, True, (NEWEST_FIRST,), kept
    )
    return TimelinePage(listing, kinds)


def load_records(rows: list[dict[str, Any]]) -> dict[str, dict[int, Model]]:
    """The records of a page's rows, by kind and id: one query per kind present."""
    ids: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for row in rows:
        ids[row["entry_kind"]].append(row["entry_id"])
    return {
        kind: {record.pk: record for record in queryset.filter(pk__in=ids[kind])}
        if ids[kind]
        else {}
        for kind, queryset in loaders().items()
    }


def audit_timeline_read(request: HttpRequest, page: TimelinePage) -> None:
    """One audit row naming the entries shown, by kind."""
    shown: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for entry in page.listing.records:
        shown[entry.kind].append(entry.record.pk)
    models: dict[str, type[Model]] = {
        CONSULTATION: Consultation,
        STAGE: StageChange,
        REFERRAL: ReferralEvent,
        MEETING: Meeting,
    }
    audit_list_read(
        request_user(request),
        [entry.record for entry in page.listing.records if entry.kind == ACTIVITY],
        model=Activity,
        request=request,
        fields=ACTIVITY_FIELDS,
        also={object_type_of(model): shown[kind] for kind, model in models.items()},
    )


def case_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA)
    page = read_timeline(user, case, request.GET)
    audit_timeline_read(request, page)
    return render(
        request,
        "cases/case_timeline.html",
        {
            **case_context(user, case),
            "timeline": page,
            "listing": page.listing,
            "kind_choices": [(kind, label, kind in page.kinds) for kind, label in KINDS.items()],
        },
    )
