"""Today's work (今日の仕事) of one user, by role: each section a count and the first few entries.

Every section is decided in SQL and bounded (`ENTRIES`), so the home page costs the same number
of queries whatever the size of the office. Sections appear only for the rights that use them:
a worker with personal data sees consultations, contacts, next steps, reviews, unmet persons,
referrals both ways, meetings and their actions, supporters' concerns and advice answers; the
centre's specialist the advice requests waiting for an answer; ibasho staff the sessions of
the week; a supporter their dispatches. Each entry links to its record, whose page applies
access as usual; the rows shown are audited as one read per kind.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from accounts.access import audit_list_read, own_organisation_id, visible_to
from accounts.models import User
from accounts.roles import Right
from cases.models import Activity, Case
from collaboration.models import AdviceRequest, Meeting, MeetingMember, Referral
from collaboration.referrals.access import received_referrals
from collaboration.watch import (
    due_on,
    open_action_items_q,
    open_cases,
    overdue_referrals_q,
    watch_counts,
)
from community.models import Session
from consultations.models import Consultation, ConsultationDraft
from notifications.models import Notification
from participation.readiness import near_their_limit
from people.access import hidden_person_ids
from supporters.access import own_dispatches
from supporters.models import Dispatch
from tsunagu.sql import ids_first

# Entries shown per section; the count and the link lead to the rest.
ENTRIES = 5
# How far ahead "coming up" looks: next steps, contacts and meetings of the coming week.
WEEK = timedelta(days=7)
# A supporter's concern stays on the worker's home this long after the report.
CONCERN_DAYS = 30


@dataclass
class Entry:
    label: str
    url: str
    when: date | None = None
    note: str = ""
    late: bool = False
    # The case the entry names: its label is hidden at the end for a restricted person.
    case: Case | None = None


@dataclass
class Section:
    key: str
    title: str
    count: int
    entries: list[Entry] = field(default_factory=list)
    more_url: str = ""
    more_label: str = "すべて見る"


@dataclass
class TodaysWork:
    today: date
    sections: list[Section] = field(default_factory=list)

    @property
    def busy(self) -> list[Section]:
        """The sections with something in them, shown first as cards."""
        return [section for section in self.sections if section.count]

    @property
    def quiet(self) -> list[Section]:
        """The empty ones, named in one line so that "nothing to do" is said, not guessed."""
        return [section for section in self.sections if not section.count]


def local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def day_bounds(day: date, days: int = 1) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=days)


class CaseLabels:
    """Case labels that respect restricted identities (制限対象者): the sections remember the
    cases they show, and `decide` reads the teams of all their persons in one query at the end
    (so the page costs the same queries whichever sections have rows)."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.cases: dict[int, Case] = {}

    def remember(self, cases: list[Case]) -> None:
        for case in cases:
            self.cases.setdefault(case.pk, case)

    def decide(self, sections: list[Section]) -> None:
        persons = [case.person for case in self.cases.values() if case.person is not None]
        prefetch_related_objects(persons, Prefetch("team", queryset=User.objects.only("pk")))
        hidden = hidden_person_ids(self.user, list(persons))
        for section in sections:
            for entry in section.entries:
                if entry.case is not None and entry.case.person_id in hidden:
                    entry.label = f"ケース #{entry.case.pk}（制限対象者）"


def _cases(queryset: QuerySet[Case], *ordering: str) -> list[Case]:
    return ids_first(queryset.select_related("person").order_by(*ordering, "id"), limit=ENTRIES)


class Gatherer:
    """Reads each section of one user's day; `build` returns them in the order of the page."""

    def __init__(self, user: User, today: date, request: HttpRequest | None) -> None:
        self.user = user
        self.today = today
        self.request = request
        self.labels = CaseLabels(user)
        self.shown: dict[str, list[Any]] = {}

    def note_shown(self, kind: str, records: list[Any]) -> None:
        self.shown.setdefault(kind, []).extend(records)

    # ---- the worker's sections ----

    def consultations_today(self) -> Section:
        start, end = day_bounds(self.today)
        mine_today = visible_to(
            self.user,
            Consultation.objects.filter(taken_by=self.user, received_at__range=(start, end)),
        )
        drafts = ConsultationDraft.objects.filter(user=self.user).order_by("-updated_at", "-id")
        consultations = list(mine_today.order_by("-received_at", "-id")[:ENTRIES])
        self.note_shown("consultations.consultation", consultations)
        entries = [
            Entry(
                f"下書き（{timezone.localtime(d.updated_at):%H:%M} 保存）",
                f"{reverse('consultation_create')}?draft={d.pk}",
                note="続きを入力する",
            )
            for d in drafts[:ENTRIES]
        ]
        entries += [
            Entry(
                f"相談 #{c.pk}（{timezone.localtime(c.received_at):%H:%M}"
                f"・{c.get_channel_display()}）",
                reverse("consultation_detail", args=[c.pk]),
            )
            for c in consultations
        ]
        return Section(
            "consultations",
            "今日の相談と下書き",
            mine_today.count() + drafts.count(),
            entries,
            reverse("consultation_day"),
            "相談受付へ",
        )

    def contacts_due(self) -> Section:
        cases = open_cases(self.user, whole_organisation=False).filter(
            Q(due_on__lte=self.today + WEEK)
        )
        shown = _cases(cases, "due_on")
        self.labels.remember(shown)
        entries = [
            Entry(
                case.title,
                reverse("case_detail", args=[case.pk]),
                due_on(case),
                late=due_on(case) < self.today,
                case=case,
            )
            for case in shown
        ]
        return Section(
            "contacts",
            "連絡の期限（期限切れと7日以内）",
            cases.count(),
            entries,
            f"{reverse('watch_list')}",
            "見守りリストへ",
        )

    def next_steps(self) -> Section:
        """The `next_action_on` of each case's latest activity, up to a week ahead."""
        later = Activity.objects.filter(
            case=OuterRef("case"), occurred_at__gt=OuterRef("occurred_at")
        )
        activities = Activity.objects.filter(
            case__in=open_cases(self.user, whole_organisation=False).values("pk"),
            next_action_on__isnull=False,
            next_action_on__lte=self.today + WEEK,
        ).filter(~Exists(later))
        shown = list(
            activities.select_related("case__person").order_by("next_action_on", "id")[:ENTRIES]
        )
        self.labels.remember([activity.case for activity in shown])
        self.note_shown("cases.activity", shown)
        entries = [
            Entry(
                a.case.title,
                reverse("case_detail", args=[a.case_id]),
                a.next_action_on,
                note="次の予定",
                late=bool(a.next_action_on and a.next_action_on < self.today),
                case=a.case,
            )
            for a in shown
        ]
        return Section("next_steps", "支援経過の次の予定", activities.count(), entries)

    def reviews_and_unmet(self, counts: Any) -> list[Section]:
        cases = open_cases(self.user, whole_organisation=False)
        reviews = _cases(cases.filter(review_on__lte=self.today), "review_on")
        unmet = _cases(cases.filter(first_met_on__isnull=True), "opened_on")
        self.labels.remember([*reviews, *unmet])
        return [
            Section(
                "reviews",
                "プランの見直し時期",
                counts.reviews_due,
                [
                    Entry(
                        c.title,
                        reverse("case_detail", args=[c.pk]),
                        c.review_on,
                        case=c,
                    )
                    for c in reviews
                ],
                f"{reverse('case_list')}?review_due=on",
                "ケースの一覧で見る",
            ),
            Section(
                "unmet",
                "まだ本人に会えていない",
                counts.not_met,
                [
                    Entry(
                        c.title,
                        reverse("case_detail", args=[c.pk]),
                        c.opened_on,
                        note="開始",
                        case=c,
                    )
                    for c in unmet
                ],
                f"{reverse('case_list')}?unmet=on&stage=open",
                "ケースの一覧で見る",
            ),
        ]

    def work_readiness_limits(self) -> Section:
        """就労準備支援 enrolments of the user's open cases near or past their limit
        (participation.readiness.near_their_limit)."""
        enrolments = near_their_limit(open_cases(self.user, whole_organisation=False), self.today)
        shown = list(enrolments.select_related("case__person")[:ENTRIES])
        self.labels.remember([enrolment.case for enrolment in shown])
        self.note_shown("participation.workreadinessenrolment", shown)
        entries = [
            Entry(
                enrolment.case.title,
                reverse("readiness_detail", args=[enrolment.pk]),
                enrolment.limit,
                note="延長後の期限" if enrolment.extended_until else "1年の期限",
                late=enrolment.limit < self.today,
                case=enrolment.case,
            )
            for enrolment in shown
        ]
        return Section(
            "work_readiness", "就労準備支援の1年の期限が近い", enrolments.count(), entries
        )

    def referrals_waiting(self) -> Section:
        waiting = visible_to(
            self.user, Referral.objects.filter(referred_by=self.user, state=Referral.State.PROPOSED)
        )
        shown = list(
            waiting.select_related("agency", "person").order_by("follow_up_on", "id")[:ENTRIES]
        )
        self.note_shown("collaboration.referral", shown)
        overdue = overdue_referrals_q(self.user, whole_organisation=False, today=self.today)
        entries = [
            Entry(
                f"{r.agency}への打診",
                reverse("referral_detail", args=[r.pk]),
                r.follow_up_on,
                note="確認する日",
                late=r.follow_up_on < self.today,
            )
            for r in shown
        ]
        title = "返事を待っているつなぎ"
        section = Section("referrals_waiting", title, waiting.count(), entries)
        if overdue_count := overdue.count():
            section.more_label = f"確認日を過ぎたつなぎ {overdue_count} 件（見守りリスト）"
            section.more_url = reverse("watch_list")
        return section

    def incoming_referrals(self) -> Section:
        """Referrals made to the user's organisation that wait for its answer (打診中) or for
        the first meeting (受入); named by number and the referring office, not the person."""
        incoming = received_referrals(self.user).filter(state__in=Referral.OPEN_STATES)
        shown = list(incoming.order_by("referred_on", "id")[:ENTRIES])
        self.note_shown("collaboration.referral", shown)
        entries = [
            Entry(
                f"{r.organisation}からのつなぎ #{r.pk}（{r.get_state_display()}）",
                reverse("referral_incoming_detail", args=[r.pk]),
                r.referred_on,
                note="つないだ日",
            )
            for r in shown
        ]
        return Section(
            "referrals_incoming",
            "受けたつなぎ（返事・初回面談）",
            incoming.count(),
            entries,
            reverse("referral_incoming"),
            "受けたつなぎの一覧へ",
        )

    def meetings_this_week(self) -> Section:
        start, end = day_bounds(self.today, days=7)
        members = MeetingMember.objects.filter(user=self.user).values("meeting_id")
        meetings = visible_to(self.user, Meeting.objects.all()).filter(
            Q(pk__in=members) | Q(created_by=self.user), held_at__range=(start, end)
        )
        shown = list(meetings.order_by("held_at", "id")[:ENTRIES])
        self.note_shown("collaboration.meeting", shown)
        entries = [
            Entry(
                str(m),
                reverse("meeting_detail", args=[m.pk]),
                local_day(m.held_at),
                note=f"{timezone.localtime(m.held_at):%H:%M}",
            )
            for m in shown
        ]
        return Section(
            "meetings",
            "今週の会議",
            meetings.count(),
            entries,
            reverse("meeting_list"),
            "会議の一覧へ",
        )

    def action_items(self) -> Section:
        items = open_action_items_q(self.user, whole_organisation=False)
        shown = list(items.select_related("meeting").order_by("due_on", "id")[:ENTRIES])
        self.note_shown("collaboration.actionitem", shown)
        entries = [
            Entry(
                item.title,
                reverse("meeting_detail", args=[item.meeting_id]),
                item.due_on,
                note="期限",
                late=bool(item.due_on and item.due_on < self.today),
            )
            for item in shown
        ]
        return Section(
            "actions",
            "会議で決めたやること",
            items.count(),
            entries,
            reverse("watch_list"),
            "見守りリストへ",
        )

    def supporter_concerns(self) -> Section:
        since = timezone.now() - timedelta(days=CONCERN_DAYS)
        # The concern is encrypted: only "not empty" can be asked of the database.
        dispatches = (
            visible_to(self.user, Dispatch.objects.all())
            .filter(worker=self.user, report__filed_at__gte=since)
            .exclude(report__concerns="")
        )
        shown = list(
            dispatches.select_related("report").order_by("-report__filed_at", "-id")[:ENTRIES]
        )
        self.note_shown("supporters.dispatch", shown)
        entries = [
            Entry(
                f"{d.get_kind_display()}の報告（{d.display_name}さん）",
                reverse("dispatch_detail", args=[d.pk]),
                local_day(d.report.filed_at),
                note="報告日",
            )
            for d in shown
        ]
        return Section("concerns", "サポーターからの気がかり", dispatches.count(), entries)

    def advice_answered(self) -> Section:
        answered = visible_to(
            self.user,
            AdviceRequest.objects.filter(
                requested_by=self.user, state=AdviceRequest.State.ANSWERED
            ),
        )
        shown = list(answered.order_by("-requested_at", "-id")[:ENTRIES])
        self.note_shown("collaboration.advicerequest", shown)
        entries = [
            Entry(
                f"助言の依頼 #{a.pk}（ケース #{a.case_id}）",
                reverse("advice_detail", args=[a.pk]),
                local_day(a.requested_at),
                note="依頼日",
            )
            for a in shown
        ]
        return Section(
            "advice_answered",
            "回答が届いた助言",
            answered.count(),
            entries,
            reverse("advice_list"),
            "専門的助言の一覧へ",
        )

    # ---- other roles ----

    def advice_to_answer(self) -> Section:
        waiting = AdviceRequest.objects.filter(
            centre_id=own_organisation_id(self.user) or 0, state=AdviceRequest.State.OPEN
        )
        shown = list(waiting.order_by("requested_at", "id")[:ENTRIES])
        entries = [
            Entry(
                f"助言の依頼 #{a.pk}",
                reverse("advice_detail", args=[a.pk]),
                local_day(a.requested_at),
                note="依頼日",
            )
            for a in shown
        ]
        return Section(
            "advice_open",
            "回答を待っている助言の依頼",
            waiting.count(),
            entries,
            reverse("advice_list"),
            "専門的助言の一覧へ",
        )

    def sessions_this_week(self) -> Section:
        sessions = visible_to(self.user, Session.objects.all()).filter(
            date__range=(self.today, self.today + timedelta(days=6))
        )
        shown = list(
            sessions.select_related("place").order_by("date", "start_time", "id")[:ENTRIES]
        )
        entries = [
            Entry(
                f"{s.place}{'　' + s.title if s.title else ''}",
                reverse("community_session_detail", args=[s.pk]),
                s.date,
                note=f"{s.start_time:%H:%M}〜",
            )
            for s in shown
        ]
        return Section(
            "sessions",
            "今週の居場所の開催",
            sessions.count(),
            entries,
            reverse("community_place_list"),
            "居場所の一覧へ",
        )

    def my_dispatches(self) -> Section:
        start, _ = day_bounds(self.today)
        upcoming = own_dispatches(self.user).filter(
            state=Dispatch.State.PLANNED, starts_at__gte=start
        )
        shown = list(upcoming.order_by("starts_at", "id")[:ENTRIES])
        entries = [
            Entry(
                f"{d.get_kind_display()}（{d.meeting_point}）",
                reverse("my_dispatch_detail", args=[d.pk]),
                local_day(d.starts_at),
                note=f"{timezone.localtime(d.starts_at):%H:%M}",
            )
            for d in shown
        ]
        return Section(
            "dispatches",
            "これからの派遣",
            upcoming.count(),
            entries,
            reverse("my_dispatches"),
            "派遣予定へ",
        )

    # ---- the page ----

    def build(self) -> TodaysWork:
        user = self.user
        work = TodaysWork(today=self.today)
        if user.has_right(Right.VIEW_PERSONAL_DATA):
            counts = watch_counts(user, today=self.today)
            work.sections += [
                self.consultations_today(),
                self.contacts_due(),
                self.next_steps(),
                *self.reviews_and_unmet(counts),
                self.work_readiness_limits(),
                self.referrals_waiting(),
                self.incoming_referrals(),
                self.meetings_this_week(),
                self.action_items(),
                self.supporter_concerns(),
                self.advice_answered(),
            ]
        if user.has_right(Right.GIVE_SPECIALIST_ADVICE):
            work.sections.append(self.advice_to_answer())
        if user.has_right(Right.RUN_IBASHO):
            work.sections.append(self.sessions_this_week())
        if user.has_right(Right.VIEW_OWN_DISPATCHES):
            work.sections.append(self.my_dispatches())
        self.labels.decide(work.sections)
        self.audit()
        return work

    def audit(self) -> None:
        """One read row for the cases shown, naming the other kinds shown on the same page."""
        if not self.labels.cases and not any(self.shown.values()):
            return
        audit_list_read(
            self.user,
            list(self.labels.cases.values()),
            model=Case,
            request=self.request,
            fields=("title", "person"),
            also={kind: [r.pk for r in records] for kind, records in self.shown.items()},
        )


def todays_work(
    user: User, *, today: date | None = None, request: HttpRequest | None = None
) -> TodaysWork:
    return Gatherer(user, today or timezone.localdate(), request).build()


@dataclass(frozen=True)
class MenuBadges:
    home: int = 0
    watch: int = 0
    inbox: int = 0


def menu_badges(user: User) -> MenuBadges:
    """The numbers beside ホーム and 見守りリスト in the menu; nothing is audited (no record is
    shown, only counts of the user's own work)."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    if not user.has_right(Right.VIEW_PERSONAL_DATA):
        return MenuBadges(inbox=unread)
    today = timezone.localdate()
    counts = watch_counts(user, today=today)
    incoming = received_referrals(user).filter(state=Referral.State.PROPOSED).count()
    due = counts.overdue_contacts + counts.reviews_due + counts.overdue_referrals
    return MenuBadges(home=due + incoming, watch=counts.total, inbox=unread)
