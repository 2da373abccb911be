"""The watch list (見守りリスト): what needs attention today, so that nobody drops out of sight.

- cases whose contact is overdue (last contact, or the opening date, + the contact interval),
- plans whose review date has come,
- cases whose person has not been met yet, with the days since the first consultation,
- referrals still 打診中・受入 after their follow-up date,
- action items decided at meetings (会議) that the user owns and has not yet done.

A fixed number of queries whatever the number of cases: the open cases (with the latest plan's
review date and the first consultation as subqueries), their persons' teams, the overdue
referrals and their persons' teams, and the open action items.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import Min, OuterRef, Prefetch, Subquery
from django.http import HttpRequest
from django.utils import timezone

from accounts.access import audit_list_read, own_organisation_id, require_right, visible_to
from accounts.models import User
from accounts.roles import Right
from cases.access import mine
from cases.models import Case, Stage, SupportPlan
from collaboration.models import ActionItem, Meeting, Referral
from consultations.models import Consultation
from people.access import hidden_person_ids
from people.models import Person

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


@dataclass
class WatchList:
    today: date
    overdue_contacts: list[OverdueContact] = field(default_factory=list)
    reviews_due: list[ReviewDue] = field(default_factory=list)
    not_met: list[NotMet] = field(default_factory=list)
    overdue_referrals: list[Referral] = field(default_factory=list)
    open_action_items: list[ActionItem] = field(default_factory=list)
    hidden_person_ids: set[int] = field(default_factory=set)

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
        return not (
            self.overdue_contacts
            or self.reviews_due
            or self.not_met
            or self.overdue_referrals
            or self.open_action_items
        )


def watched_cases(user: User, *, whole_organisation: bool) -> list[Case]:
    """Open cases in scope, each with `latest_review_on` and `first_consulted_at`."""
    latest_plan = SupportPlan.objects.filter(case=OuterRef("pk")).order_by("-number")
    first_consultation = (
        Consultation.objects.filter(case=OuterRef("pk"))
        .order_by()
        .values("case")
        .annotate(first=Min("received_at"))
        .values("first")
    )
    queryset = (
        visible_to(user, Case.objects.exclude(stage=Stage.CLOSED))
        .select_related("person", "household", "lead_worker")
        .prefetch_related(Prefetch("person__team", queryset=User.objects.only("pk")))
        .annotate(
            latest_review_on=Subquery(latest_plan.values("review_on")[:1]),
            first_consulted_at=Subquery(first_consultation[:1]),
        )
        .order_by("opened_on", "id")
    )
    if not whole_organisation:
        queryset = queryset.filter(mine(user))
    return list(queryset)


def overdue_referrals(user: User, *, whole_organisation: bool, today: date) -> list[Referral]:
    queryset = (
        visible_to(user, Referral.objects.filter(state__in=Referral.OPEN_STATES))
        .filter(follow_up_on__lt=today)
        .select_related("agency", "person", "case", "referred_by")
        .prefetch_related(Prefetch("person__team", queryset=User.objects.only("pk")))
        .order_by("follow_up_on", "id")
    )
    if not whole_organisation:
        queryset = queryset.filter(referred_by_id=user.pk)
    return list(queryset)


def open_action_items(user: User, *, whole_organisation: bool) -> list[ActionItem]:
    """Meeting action items not yet done: the user's own, or (for the whole organisation) those of
    its staff at meetings the user may see."""
    queryset = ActionItem.objects.filter(done_on__isnull=True).select_related("meeting", "owner")
    if whole_organisation:
        queryset = queryset.filter(
            owner__organisation_id=own_organisation_id(user),
            meeting__in=visible_to(user, Meeting.objects.all()),
        )
    else:
        queryset = queryset.filter(owner_id=user.pk)
    return list(queryset.order_by("due_on", "id"))


def build_watch_list(
    user: User,
    *,
    whole_organisation: bool = False,
    today: date | None = None,
    request: HttpRequest | None = None,
) -> WatchList:
    """The watch list of `user` (or of their whole organisation); audited as two list reads
    (the action items are named on the referrals' row)."""
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    today = today or timezone.localdate()
    watch = WatchList(today=today)
    for case in watched_cases(user, whole_organisation=whole_organisation):
        due_on = case.contact_due_on()
        if due_on < today:
            watch.overdue_contacts.append(OverdueContact(case, due_on, (today - due_on).days))
        review_on: date | None = getattr(case, "latest_review_on", None)
        if review_on is not None and review_on <= today:
            watch.reviews_due.append(ReviewDue(case, review_on))
        if case.first_met_on is None:
            consulted_at: datetime | None = getattr(case, "first_consulted_at", None)
            since = timezone.localtime(consulted_at).date() if consulted_at else case.opened_on
            watch.not_met.append(
                NotMet(case, since, (today - since).days, consulted_at is not None)
            )
    watch.overdue_contacts.sort(key=lambda entry: entry.due_on)
    watch.reviews_due.sort(key=lambda entry: entry.review_on)
    watch.not_met.sort(key=lambda entry: -entry.days)
    watch.overdue_referrals = overdue_referrals(
        user, whole_organisation=whole_organisation, today=today
    )
    watch.open_action_items = open_action_items(user, whole_organisation=whole_organisation)
    persons: list[Person | None] = [case.person for case in watch.cases_shown]
    persons += [referral.person for referral in watch.overdue_referrals]
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
        also={WATCHED_ACTION_ITEM_LABEL: [item.pk for item in watch.open_action_items]},
    )
    return watch
