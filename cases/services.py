"""Writes to cases, each atomic with its audit rows. Views stay thin and call these.

The rules of what may be written are here, for the pages and the JSON API alike: a refusal is a
ValidationError naming the field (as the service's argument or `data` key) with its message.
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Min, Q
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update, keep_previous_version
from cases.access import can_see_sensitive
from cases.models import (
    Activity,
    Assessment,
    Case,
    ClosureReason,
    PlanAction,
    Stage,
    StageChange,
    SupportPlan,
)
from people.access import can_see_identity
from people.models import Household, Person
from tsunagu.office_hours import is_out_of_hours
from tsunagu.versioning import StaleVersionError, VersionedEdit, versioned_edit

STALE_CASE = "ほかの人が先にこのケースを更新しました。最新の内容を確認してください。"
STALE_ACTIVITY = (
    "ほかの人が先にこの支援経過を訂正しました。"
    "保存されている内容とあなたの入力を確かめてから、もう一度保存してください。"
)
STALE_PLAN = (
    "ほかの人が先にプランを保存しました（第{number}版）。両方の内容を確認してから保存してください。"
)
CLOSE_THROUGH_CLOSURE = "終結は「終結する」から、理由と確認日を入れて行ってください。"
STAGE_OF_CLOSED_CASE = "終結したケースです。再開してから段階を変えてください。"
HOUSEHOLD_WITHOUT_PERSON = "本人のいないケースから世帯は外せません。"
OPEN_REFERRALS_AT_CLOSURE = (
    "結果がまだ決まっていないつなぎがあります（{names}）。"
    "つながったか不成立かを記録してから終結してください。"
)
ALREADY_CLOSED = "すでに終結しています。"
REOPEN_OPEN_CASE = "終結していないケースは再開できません。"
WORK_READINESS_DAYS = 365
CLOSURE_FOLLOW_UP_PAST = "確認日は今日以降の日付にしてください。"
ASSESSED_IN_FUTURE = "実施日が未来の日付です。"
SINCE_MONTH_WITHOUT_YEAR = "月を入れるときは年も入力してください。"
SINCE_IN_FUTURE = "いつからが未来の時期になっています。"
APPROVED_IN_FUTURE = "承認日が未来の日付です。"
REVIEW_IN_PAST = (
    "見直し日が過去の日付です。今日以降の日付にしてください"
    "（見直しの時期が過ぎたプランは、見直して次の見直し日を決めます）。"
)
ACTION_WITHOUT_DESCRIPTION = "取り組みの内容を入力してください。"
ACTION_WORKER_AND_AGENCY = "担当は職員か機関のどちらか一方を選んでください。"
VISIT_WITHOUT_OUTCOME = "訪問の結果（本人に会えた・家族のみ・不在）を選んでください。"
OUTCOME_WITHOUT_VISIT = "訪問の結果は種類が「訪問」のときだけ選べます。"
NEXT_ACTION_BEFORE = "次の予定日が、この記録の日より前になっています。"
MET_BUT_OUTCOME_NOT_MET = (
    "訪問の結果が「{outcome}」なのに「本人と会えた」に印があります。"
    "本人に会えたときは結果を「本人に会えた」に、会えなかったときは印を外してください。"
)
# The outcomes of a visit that say the person was not met: "met the person" contradicts them.
OUTCOMES_NOT_MET = (Activity.VisitOutcome.FAMILY_ONLY, Activity.VisitOutcome.NOBODY)
# The fields `validate_activity` reads.
VALIDATED_FIELDS = ("occurred_at", "kind", "visit_outcome", "met_person", "next_action_on")
# A correction of these moves the case's last contact or first meeting.
CONTACT_DATE_FIELDS = {"occurred_at", "kind", "met_person"}
# One open case per person per organisation (and per household for a household-only case): a
# second one splits the record of the support in two, and the watch list counts the person twice.
OPEN_CASE_OF_PERSON = (
    "この方にはすでに開いているケースがあります（ケース #{number}「{title}」）。"
    "新しいケースは開かず、そのケースで支援を続けてください。"
)
OPEN_CASE_OF_HOUSEHOLD = (
    "この世帯にはすでに開いているケースがあります（ケース #{number}「{title}」）。"
    "新しいケースは開かず、そのケースで支援を続けてください。"
)


class OpenCaseExists(ValidationError):
    """case_open or case_reopen refused: `open_case` is the open case to continue in (the page
    offers a link to it)."""

    def __init__(self, message: str, *, open_case: Case) -> None:
        super().__init__(message)
        self.open_case = open_case


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def case_open(
    *,
    organisation_id: int,
    title: str,
    lead_worker: User,
    person_id: int | None = None,
    household_id: int | None = None,
    contact_every_days: int = 30,
    opened_on: date | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Case:
    if person_id is None and household_id is None:
        raise ValidationError("ケースには本人か世帯のどちらかが必要です。")
    with transaction.atomic():
        _lock_subject(person_id, household_id)
        _refuse_second_open_case(
            organisation_id=organisation_id, person_id=person_id, household_id=household_id, by=by
        )
        case = Case.objects.create(
            organisation_id=organisation_id,
            title=title,
            lead_worker=lead_worker,
            person_id=person_id,
            household_id=household_id,
            contact_every_days=contact_every_days,
            opened_on=opened_on or timezone.localdate(),
        )
        case.team.add(lead_worker, by)
        person = case.person
        if person is not None and can_see_identity(by, person):
            # The case team may see a restricted person's identity (accounts.access); only someone
            # who already may see it can open the door for the lead worker.
            person.team.add(lead_worker, by)
        StageChange.objects.create(case=case, to_stage=Stage.INTAKE, by=by, note="ケース開始")
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=case,
            fields=["title", "person", "household", "lead_worker"],
        )
    return case


def _lock_subject(person_id: int | None, household_id: int | None) -> None:
    """Lock the row the one-open-case rule is about, so that two workers opening (or reopening)
    a case for the same person at once cannot both pass the check. PostgreSQL takes the row lock;
    SQLite writes one transaction at a time anyway (select_for_update is a no-op there)."""
    if person_id is not None:
        list(Person.objects.select_for_update().filter(pk=person_id).values_list("pk"))
    elif household_id is not None:
        list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk"))


def _refuse_second_open_case(
    *,
    organisation_id: int,
    person_id: int | None,
    household_id: int | None,
    by: User,
    excluding: int | None = None,
) -> None:
    """At most one open case per person in an organisation; a household-only case only while no
    open case of the household exists there. Refused naming the open case (OpenCaseExists)."""
    open_cases = (
        Case.objects.filter(organisation_id=organisation_id)
        .exclude(stage=Stage.CLOSED)
        .select_related("person")
        .order_by("opened_on", "pk")
    )
    if excluding is not None:
        open_cases = open_cases.exclude(pk=excluding)
    if person_id is not None:
        existing, message = open_cases.filter(person_id=person_id).first(), OPEN_CASE_OF_PERSON
    elif household_id is not None:
        existing = open_cases.filter(household_id=household_id).first()
        message = OPEN_CASE_OF_HOUSEHOLD
    else:
        return
    if existing is not None:
        title = _title_for(by, existing)
        raise OpenCaseExists(message.format(number=existing.pk, title=title), open_case=existing)


def _title_for(user: User, case: Case) -> str:
    # The title usually carries the person's name: not for who may not see who the person is.
    if case.person is not None and not can_see_identity(user, case.person):
        return f"{case.person.restricted_label}のケース"
    return case.title


def _case_edit(
    case: Case,
    version: int | None,
    *,
    by: User,
    request: HttpRequest | None,
    detail: dict[str, Any] | None = None,
) -> AbstractContextManager[VersionedEdit[Case]]:
    """The case locked for a versioned edit (tsunagu.versioning), its audit row in the same
    transaction. `version=None`: the edit follows from another record (a new plan moves the
    stage), not from the case form."""
    return versioned_edit(
        Case,
        pk=case.pk,
        version=version,
        stale_message=STALE_CASE,
        audit=audit_update(actor=by, request=request, detail=detail),
    )


def _change_stage(edit: VersionedEdit[Case], to_stage: str, by: User, note: str = "") -> None:
    case = edit.record
    if case.stage == to_stage:
        return
    StageChange.objects.create(
        case=case, from_stage=case.stage, to_stage=to_stage, by=by, note=note
    )
    edit.change({"stage": to_stage})


def case_set_stage(
    *,
    case: Case,
    stage: str,
    version: int,
    by: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Case:
    if stage == Stage.CLOSED:
        raise ValidationError(CLOSE_THROUGH_CLOSURE)
    with _case_edit(case, version, by=by, request=request) as edit:
        if edit.record.stage == Stage.CLOSED:
            raise ValidationError(STAGE_OF_CLOSED_CASE)
        _change_stage(edit, stage, by, note)
    return edit.record


def case_set_household(
    *,
    case: Case,
    household_id: int | None,
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Case:
    """Link the case to the household it supports (an 8050 household: parent and child)."""
    with _case_edit(case, version, by=by, request=request) as edit:
        if household_id is None and edit.record.person_id is None:
            raise ValidationError(HOUSEHOLD_WITHOUT_PERSON)
        # Set by id (no fetch of the household), audited under the field's name.
        if edit.also({"household_id": household_id}):
            edit.mark("household")
    return edit.record


def case_close(
    *,
    case: Case,
    reason: str,
    follow_up_on: date | None,
    version: int,
    by: User,
    note: str = "",
    request: HttpRequest | None = None,
) -> Case:
    """Close a case; refused while a referral has not reached a decision (つながった・不成立).

    The stage history keeps the reason in Japanese with the worker's memo (「その他：…」)."""
    with _case_edit(case, version, by=by, request=request) as edit:
        current = edit.record
        validate_closure(current, follow_up_on)
        _change_stage(edit, Stage.CLOSED, by, note=closure_note(reason, note))
        edit.change({"closure_reason": reason, "follow_up_on": follow_up_on})
        edit.also({"closed_on": timezone.localdate()})
    return current


def validate_closure(case: Case, follow_up_on: date | None) -> None:
    """Why `case` cannot be closed now, if it cannot; the confirm step asks it before anything
    changes, and `case_close` again on the locked case."""
    if follow_up_on is not None and follow_up_on < timezone.localdate():
        raise ValidationError({"follow_up_on": CLOSURE_FOLLOW_UP_PAST})
    # The referrals of the case (collaboration) through the relation: no import upward.
    open_referrals = list(case.referrals.undecided().select_related("agency"))
    if open_referrals:
        names = "、".join(str(referral.agency) for referral in open_referrals)
        raise ValidationError(OPEN_REFERRALS_AT_CLOSURE.format(names=names))
    if case.stage == Stage.CLOSED:
        raise ValidationError(ALREADY_CLOSED)


def closure_note(reason: str, note: str) -> str:
    label = ClosureReason(reason).label if reason in ClosureReason.values else reason
    return f"{label}：{note}" if note else str(label)


def case_reopen(
    *, case: Case, version: int, by: User, note: str = "", request: HttpRequest | None = None
) -> Case:
    """Reopen a closed case; its history (stages, activities, plans) stays as it was. Refused
    while another case of the person (of the household, for a household-only case) is open."""
    with transaction.atomic():
        # The person (household) first, as case_open locks it; then the case.
        _lock_subject(case.person_id, case.household_id)
        with _case_edit(case, version, by=by, request=request, detail={"reopened": True}) as edit:
            current = edit.record
            if current.stage != Stage.CLOSED:
                raise ValidationError(REOPEN_OPEN_CASE)
            _refuse_second_open_case(
                organisation_id=current.organisation_id,
                person_id=current.person_id,
                household_id=current.household_id,
                by=by,
                excluding=current.pk,
            )
            _change_stage(edit, Stage.SUPPORT, by, note=note or "再開")
            edit.also({"closure_reason": "", "closed_on": None, "follow_up_on": None})
    return edit.record


def assessment_add(
    *, case: Case, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> Assessment:
    """Add the next dated version of the assessment; earlier versions stay unchanged.

    A worker off the case team neither sees nor sets the 要配慮個人情報: the new version carries
    them over from the previous one unchanged, so nothing is lost.
    """
    validate_assessment(data)
    with _case_edit(case, None, by=by, request=request) as edit:
        current = edit.record
        previous = current.assessments.order_by("-number").first()
        written = [field for field, value in data.items() if value not in ("", None, [], {})]
        carried: list[str] = []
        if not can_see_sensitive(by, current):
            written = [field for field in written if field not in Assessment.SENSITIVE_FIELDS]
            for field in Assessment.SENSITIVE_FIELDS:
                data[field] = getattr(previous, field) if previous else None
                if data[field]:
                    carried.append(field)
        assessment = Assessment.objects.create(
            case=current, number=(previous.number if previous else 0) + 1, created_by=by, **data
        )
        if current.stage == Stage.INTAKE:
            _change_stage(edit, Stage.ASSESSMENT, by)
            edit.detail["assessment"] = assessment.pk
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=assessment,
            fields=written,
            detail={
                "case": current.pk,
                "sensitive": [f for f in Assessment.SENSITIVE_FIELDS if f in written],
                # Carried over unchanged from the previous version by someone off the team.
                "carried_over": carried,
            },
        )
    return assessment


def validate_assessment(data: dict[str, Any]) -> None:
    """No date in the future; the month the state began only with its year."""
    errors: dict[str, str] = {}
    today = timezone.localdate()
    assessed_on = data.get("assessed_on")
    if assessed_on is not None and assessed_on > today:
        errors["assessed_on"] = ASSESSED_IN_FUTURE
    year, month = data.get("state_since_year"), data.get("state_since_month")
    if month is not None and year is None:
        errors["state_since_year"] = SINCE_MONTH_WITHOUT_YEAR
    elif year is not None and (year, month or 1) > (today.year, today.month):
        errors["state_since_year"] = SINCE_IN_FUTURE
    _refuse(errors)


def plan_save(
    *,
    case: Case,
    data: dict[str, Any],
    actions: list[dict[str, Any]],
    based_on: int,
    by: User,
    request: HttpRequest | None = None,
) -> SupportPlan:
    """Save the next version of the plan. `based_on` is the version the worker edited (0: none).

    Each action is `description` with `responsible_worker_id` or `responsible_agency_id`.
    """
    validate_plan(data, actions)
    with _case_edit(case, None, by=by, request=request) as edit:
        current = edit.record
        latest = current.plans.order_by("-number").values_list("number", flat=True).first() or 0
        if latest != based_on:
            raise StaleVersionError(STALE_PLAN.format(number=latest))
        plan = SupportPlan.objects.create(case=current, number=latest + 1, created_by=by, **data)
        PlanAction.objects.bulk_create(PlanAction(plan=plan, **action) for action in actions)
        # The latest plan's review date, kept on the case for the watch list (one column).
        Case.objects.filter(pk=current.pk).update(review_on=plan.review_on)
        if current.stage in (Stage.INTAKE, Stage.ASSESSMENT):
            _change_stage(edit, Stage.PLAN, by)
            edit.detail["plan"] = plan.pk
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=plan,
            fields=[field for field, value in data.items() if value],
            detail={"case": current.pk, "actions": len(actions)},
        )
    return plan


def validate_plan(data: dict[str, Any], actions: Sequence[dict[str, Any]] = ()) -> None:
    """The goals, a review date from today on, the work readiness programme's year, the approval
    date and each action; the refusal of an action names it as `actions.<index>.<key>`."""
    errors: dict[str, str] = {}
    if not str(data.get("long_term_goal", "")).strip():
        errors["long_term_goal"] = "長期目標を入力してください。"
    if not str(data.get("short_term_goals", "")).strip():
        errors["short_term_goals"] = "短期目標を入力してください。"
    started = data.get("work_readiness_started_on")
    review = data.get("review_on")
    if review is not None and review < timezone.localdate():
        # A plan saved with its review already past would sit on the watch list's 見直し from
        # the start, and the review it names could never happen.
        errors["review_on"] = REVIEW_IN_PAST
    if data.get("uses_work_readiness") and not started:
        errors["work_readiness_started_on"] = "就労準備支援事業の開始日を入力してください。"
    if (
        started
        and review
        and (review - started).days > WORK_READINESS_DAYS
        and not str(data.get("work_readiness_extension_reason", "")).strip()
    ):
        errors["work_readiness_extension_reason"] = (
            "就労準備支援事業は原則1年までです。1年を超える場合は理由を記録してください。"
        )
    approved_on = data.get("approved_on")
    if approved_on is not None and approved_on > timezone.localdate():
        errors["approved_on"] = APPROVED_IN_FUTURE
    for index, action in enumerate(actions):
        if not str(action.get("description") or "").strip():
            errors[f"actions.{index}.description"] = ACTION_WITHOUT_DESCRIPTION
        if action.get("responsible_worker_id") and action.get("responsible_agency_id"):
            errors[f"actions.{index}.responsible_agency_id"] = ACTION_WORKER_AND_AGENCY
    _refuse(errors)


def validate_activity(case: Case, data: dict[str, Any]) -> None:
    """A time neither in the future nor before the case opened; a home visit's outcome, and no
    outcome for anything else; a next date not before the activity."""
    errors: dict[str, str] = {}
    occurred_at = data["occurred_at"]
    day = timezone.localtime(occurred_at).date()
    if occurred_at > timezone.now():
        errors["occurred_at"] = "未来の日時は記録できません。"
    elif day < case.opened_on:
        errors["occurred_at"] = "ケースの開始日より前の日時です。開始日を確認してください。"
    kind, outcome = data.get("kind"), data.get("visit_outcome")
    if kind == Activity.Kind.HOME_VISIT and not outcome:
        errors["visit_outcome"] = VISIT_WITHOUT_OUTCOME
    elif kind != Activity.Kind.HOME_VISIT and outcome:
        errors["visit_outcome"] = OUTCOME_WITHOUT_VISIT
    elif outcome in OUTCOMES_NOT_MET and data.get("met_person"):
        # Stored, it would set the case's first_met_on: the person would leave the not-yet-met
        # watch list and the operations page would count 0 days to the first meeting.
        label = Activity.VisitOutcome(outcome).label
        errors["met_person"] = MET_BUT_OUTCOME_NOT_MET.format(outcome=label)
    next_action_on = data.get("next_action_on")
    if next_action_on is not None and next_action_on < day:
        errors["next_action_on"] = NEXT_ACTION_BEFORE
    _refuse(errors)


def activity_add(
    *,
    case: Case,
    data: dict[str, Any],
    participants: list[User] | None = None,
    by: User,
    request: HttpRequest | None = None,
) -> Activity:
    validate_activity(case, data)
    with transaction.atomic():
        # Locked, not versioned: the contact dates follow from the activity, and a worker's open
        # case form is not made stale by a colleague logging a phone call.
        current = Case.objects.select_for_update().get(pk=case.pk)
        activity = Activity(case=current, recorded_by=by, **data)
        if activity.kind == Activity.Kind.HOME_VISIT and activity.visit_outcome == (
            Activity.VisitOutcome.MET_PERSON
        ):
            activity.met_person = True
        activity.is_out_of_hours = is_out_of_hours(activity.occurred_at)
        activity.save()
        activity.participants.add(*(participants or [by]))
        _update_contact_dates(current, activity)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=activity,
            fields=[field for field, value in data.items() if value],
            detail={"case": current.pk},
        )
    return activity


def activity_correct(
    *,
    activity: Activity,
    data: dict[str, Any],
    participants: list[User] | None = None,
    version: int,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> Activity:
    """Correct a saved activity (訂正) with a reason; the previous version is kept and shown.

    The same rules as a new activity. When the date, the kind or 本人と会えた changed, the case's
    contact dates are computed again from all its activities: a correction may move them back
    (an un-ticked 本人と会えた puts the person back on the not-yet-met list).
    """
    keep = keep_previous_version(by=by, reason=reason)
    case = activity.case
    # A partial correction changes only what was sent; the rules read the activity as it will
    # be once corrected.
    corrected = {name: getattr(activity, name) for name in VALIDATED_FIELDS} | data
    validate_activity(case, corrected)
    data = dict(data)
    if corrected["kind"] == Activity.Kind.HOME_VISIT and corrected["visit_outcome"] == (
        Activity.VisitOutcome.MET_PERSON
    ):
        data["met_person"] = True
    with transaction.atomic():
        # The case first, as `activity_add` locks it: its contact dates follow from the activity.
        current = Case.objects.select_for_update().get(pk=case.pk)
        with versioned_edit(
            Activity.objects.filter(case=current),
            pk=activity.pk,
            version=version,
            stale_message=STALE_ACTIVITY,
            audit=audit_update(actor=by, request=request, detail={"case": current.pk}),
            keep=keep,
        ) as edit:
            edit.change(data)
            edit.also({"is_out_of_hours": is_out_of_hours(edit.record.occurred_at)})
            if participants is not None:
                _correct_participants(edit, participants)
        if CONTACT_DATE_FIELDS & set(edit.changed):
            _recompute_contact_dates(current)
    return edit.record


def _correct_participants(edit: VersionedEdit[Activity], participants: list[User]) -> None:
    before = sorted(edit.record.participants.values_list("pk", flat=True))
    after = sorted({member.pk for member in participants} or {edit.record.recorded_by_id})
    if before != after:
        edit.record.participants.set(after)
        edit.mark_values("participants", before, after)


def _recompute_contact_dates(case: Case) -> None:
    """The case's last contact and first meeting from its activities, in one SQL aggregate."""
    found = case.activities.aggregate(
        last_contact=Max("occurred_at", filter=~Q(kind__in=Activity.NOT_CONTACT_KINDS)),
        first_met=Min("occurred_at", filter=Q(met_person=True)),
    )
    case.last_contact_on = _local_day(found["last_contact"])
    case.first_met_on = _local_day(found["first_met"])
    case.save(update_fields=["last_contact_on", "first_met_on"])


def _local_day(moment: datetime | None) -> date | None:
    return timezone.localtime(moment).date() if moment is not None else None


def _update_contact_dates(case: Case, activity: Activity) -> None:
    day = timezone.localtime(activity.occurred_at).date()
    fields = []
    if activity.is_contact and (case.last_contact_on is None or day > case.last_contact_on):
        case.last_contact_on = day
        fields.append("last_contact_on")
    if activity.met_person and (case.first_met_on is None or day < case.first_met_on):
        case.first_met_on = day
        fields.append("first_met_on")
    if fields:
        case.save(update_fields=fields)
