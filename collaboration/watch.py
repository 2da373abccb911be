"""The watch list (見守りリスト): what needs attention today, so that nobody drops out of sight.

- cases whose contact is overdue (last contact, or the opening date, + the contact interval),
- plans whose review date has come,
- cases whose person has not been met yet, with the days since the first consultation,
- referrals still 打診中・受入 after their follow-up date,
- action items decided at meetings (会議) that the user owns and has not yet done.

Decided in SQL and bounded: each section reads at most `SECTION_LIMIT` rows, sorted by the
database, and every count comes from one aggregate (`watch_counts`, also used by the home page
and the menu). The number of queries and the size of the page stay the same whatever the number
of cases in the office; a longer section links to the case list with the matching filter.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import (
    Count,
    DateField,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce, TruncDate
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import audit_list_read, own_organisation_id, require_right, visible_to
from accounts.models import User
from accounts.roles import Right
from cases.access import mine
from cases.models import Case, Stage, contact_due_on
from collaboration.models import ActionItem, Meeting, Referral
from consultations.models import Consultation
from people.access import hidden_person_ids
from people.models import Person
from tsunagu.sql import ids_first

# Rows per section, the most urgent first; the heading shows the whole count and links to the
# case list, filtered the same way, for the rest.
SECTION_LIMIT = 25
WATCHED_CASE_FIELDS = ("title", "person", "household", "stage", "last_contact_on", "first_met_on")
WATCHED_REFERRAL_FIELDS = ("person", "agency", "state", "follow_up_on")
WATCHED_ACTION_ITEM_LABEL = "collaboration.actionitem"


@dataclass(frozen=True)
class OverdueContact:
    case: Case
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class ReviewDue:
    case: Case
    review_on: date


@dataclass(frozen=True)
class NotMet:
    case: Case
    since: date
    days: int
    from_consultation: bool


@dataclass(frozen=True)
class WatchCounts:
    """How many entries each section has (not only the rows shown)."""

    overdue_contacts: int = 0
    reviews_due: int = 0
    not_met: int = 0
    overdue_referrals: int = 0
    open_action_items: int = 0

    @property
    def total(self) -> int:
        return (
            self.overdue_contacts
            + self.reviews_due
            + self.not_met
            + self.overdue_referrals
            + self.open_action_items
        )


@dataclass
class WatchList:
    today: date
    counts: WatchCounts = field(default_factory=WatchCounts)
    overdue_contacts: list[OverdueContact] = field(default_factory=list)
    reviews_due: list[ReviewDue] = field(default_factory=list)
    not_met: list[NotMet] = field(default_factory=list)
    overdue_referrals: list[Referral] = field(default_factory=list)
    open_action_items: list[ActionItem] = field(default_factory=list)
    hidden_person_ids: set[int] = field(default_factory=set)
    section_limit: int = SECTION_LIMIT

    @property
    def cases_shown(self) -> list[Case]:
        seen: dict[int, Case] = {}
        cases = [entry.case for entry in self.overdue_contacts]
        cases += [entry.case for entry in self.reviews_due]
        cases += [entry.case for entry in self.not_met]
        for case in cases:
            seen.setdefault(case.pk, case)
        return list(seen.values())

    @property
    def is_empty(self) -> bool:
        return self.counts.total == 0


def open_cases(user: User, *, whole_organisation: bool) -> QuerySet[Case]:
    """Open cases in scope, annotated with `due_on` (the next contact, a cheap expression of the
    row; the latest plan's review date is the case's own `review_on`). The dearer subquery of the
    first consultation is added only by the section that needs it (`with_first_consultation`),
    so that no query computes it for rows it neither filters nor shows."""
    queryset = visible_to(user, Case.objects.exclude(stage=Stage.CLOSED)).annotate(
        due_on=contact_due_on()
    )
    if not whole_organisation:
        queryset = queryset.filter(mine(user))
    return queryset


def with_first_consultation(queryset: QuerySet[Case]) -> QuerySet[Case]:
    """`first_consulted_at`, and `since`: the day of the first consultation, or the opening."""
    first_consultation = (
        Consultation.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(first=Min("received_at"))
        .values("first")
    )
    return queryset.annotate(first_consulted_at=Subquery(first_consultation[:1])).annotate(
        since=Coalesce(TruncDate("first_consulted_at"), F("opened_on"), output_field=DateField())
    )


def _shown(queryset: QuerySet[Case], *ordering: str) -> list[Case]:
    """One section's rows (ids first: the sort reads no joined columns); their persons' teams
    are read once for all sections (see `_read_teams`)."""
    shown = queryset.select_related("person", "household", "lead_worker").order_by(*ordering, "id")
    return ids_first(shown, limit=SECTION_LIMIT)


def _read_teams(persons: list[Person]) -> None:
    """The teams of every person shown, in one query (restricted identities need them)."""
    prefetch_related_objects(persons, Prefetch("team", queryset=User.objects.only("pk")))


def overdue_referrals_q(user: User, *, whole_organisation: bool, today: date) -> QuerySet[Referral]:
    queryset = visible_to(user, Referral.objects.filter(state__in=Referral.OPEN_STATES)).filter(
        follow_up_on__lt=today
    )
    if not whole_organisation:
        queryset = queryset.filter(referred_by_id=user.pk)
    return queryset


def overdue_referrals(user: User, *, whole_organisation: bool, today: date) -> list[Referral]:
    queryset = (
        overdue_referrals_q(user, whole_organisation=whole_organisation, today=today)
        .select_related("agency", "person", "case", "referred_by")
        .order_by("follow_up_on", "id")
    )
    return ids_first(queryset, limit=SECTION_LIMIT)


def open_action_items_q(user: User, *, whole_organisation: bool) -> QuerySet[ActionItem]:
    """Meeting action items not yet done: the user's own, or (for the whole organisation) those of
    its staff at meetings the user may see."""
    queryset = ActionItem.objects.filter(done_on__isnull=True)
    if whole_organisation:
        return queryset.filter(
            owner__organisation_id=own_organisation_id(user),
            meeting__in=visible_to(user, Meeting.objects.all()),
        )
    return queryset.filter(owner_id=user.pk)


def open_action_items(user: User, *, whole_organisation: bool) -> list[ActionItem]:
    queryset = open_action_items_q(user, whole_organisation=whole_organisation)
    return list(
        queryset.select_related("meeting", "owner").order_by("due_on", "id")[:SECTION_LIMIT]
    )


def watch_counts(user: User, *, whole_organisation: bool = False, today: date) -> WatchCounts:
    """The size of each section in three queries (one aggregate over the open cases)."""
    cases = open_cases(user, whole_organisation=whole_organisation).aggregate(
        overdue=Count("pk", filter=Q(due_on__lt=today)),
        reviews=Count("pk", filter=Q(review_on__lte=today)),
        not_met=Count("pk", filter=Q(first_met_on__isnull=True)),
    )
    return WatchCounts(
        overdue_contacts=cases["overdue"],
        reviews_due=cases["reviews"],
        not_met=cases["not_met"],
        overdue_referrals=overdue_referrals_q(
            user, whole_organisation=whole_organisation, today=today
        ).count(),
        open_action_items=open_action_items_q(user, whole_organisation=whole_organisation).count(),
    )


def due_on(case: Case) -> date:
    """The next contact date that `open_cases` annotated in SQL."""
    value: date = case.due_on  # type: ignore[attr-defined]  # an annotation of the query
    return value


def _not_met_entry(case: Case, today: date) -> NotMet:
    consulted_at: datetime | None = getattr(case, "first_consulted_at", None)
    since = timezone.localtime(consulted_at).date() if consulted_at else case.opened_on
    return NotMet(case, since, (today - since).days, consulted_at is not None)


def build_watch_list(
    user: User,
    *,
    whole_organisation: bool = False,
    today: date | None = None,
    request: HttpRequest | None = None,
    also_shown: dict[str, list[int]] | None = None,
) -> WatchList:
    """The watch list of `user` (or of their whole organisation); audited as two list reads
    (the action items, and `also_shown`, the rows of sections a layer above adds, are named on
    the referrals' row), each naming only the rows shown."""
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    today = today or timezone.localdate()
    watch = WatchList(today=today, section_limit=SECTION_LIMIT)
    watch.counts = watch_counts(user, whole_organisation=whole_organisation, today=today)
    cases = open_cases(user, whole_organisation=whole_organisation)
    watch.overdue_contacts = [
        OverdueContact(case, due_on(case), (today - due_on(case)).days)
        for case in _shown(cases.filter(Q(due_on__lt=today)), "due_on")
    ]
    reviews = cases.filter(review_on__lte=today)
    watch.reviews_due = [
        ReviewDue(case, case.review_on)  # type: ignore[arg-type]  # filtered: not None
        for case in _shown(reviews, "review_on")
    ]
    unmet = with_first_consultation(cases.filter(first_met_on__isnull=True))
    watch.not_met = [_not_met_entry(case, today) for case in _shown(unmet, "since")]
    watch.overdue_referrals = overdue_referrals(
        user, whole_organisation=whole_organisation, today=today
    )
    watch.open_action_items = open_action_items(user, whole_organisation=whole_organisation)
    persons: list[Person | None] = [case.person for case in watch.cases_shown]
    persons += [referral.person for referral in watch.overdue_referrals]
    _read_teams([person for person in persons if person is not None])
    watch.hidden_person_ids = hidden_person_ids(user, persons)
    audit_list_read(
        user, watch.cases_shown, model=Case, request=request, fields=WATCHED_CASE_FIELDS
    )
    audit_list_read(
        user,
        watch.overdue_referrals,
        model=Referral,
        request=request,
        fields=WATCHED_REFERRAL_FIELDS,
        also={
            WATCHED_ACTION_ITEM_LABEL: [item.pk for item in watch.open_action_items],
            **(also_shown or {}),
        },
    )
    return watch
