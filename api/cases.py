"""Cases in the JSON API: the list, one case with its latest records, opening, stages, closing
and reopening. Assessments, plans, activities and referrals have their own modules.

The same access functions and services as the pages: another organisation's record is 404, a
missing right is 403, every read is audited by the access functions, every write by the services.
Refusals are 422 with Japanese messages per field (`FormErrors`); an edit based on a stale
version is 409.
"""

from datetime import date, datetime
from typing import Any

from django import forms
from django.db.models import Case as Switch
from django.db.models import IntegerField, QuerySet, Value, When
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

import cases.forms as case_forms
from accounts.access import own_organisation_id, page_for_user
from accounts.models import User
from accounts.roles import Right
from api.activities import ActivityOut, activities, activity_out
from api.assessments_plans import (
    AssessmentOut,
    PlanOut,
    assessment_out,
    assessments,
    audit_sensitive_read,
    plan_out,
    plans,
)
from api.common import (
    TAGS,
    FormErrors,
    StaffRef,
    auth_user,
    editor,
    form_errors,
    household_to_edit,
    japanese,
    limit_choices,
    not_future_day,
    refuse,
    require_valid,
    require_version,
    service_refusals,
    staff_ref,
    without,
    workers,
)
from api.paging import PageIn, PageOut, paging
from api.people import PersonOut, person_out
from api.referrals import ReferralOut, referral_out, referrals
from api.schemas import ErrorOut
from cases.access import SUMMARY_FIELDS, can_see_sensitive, case_queryset, load_case
from cases.models import Case, Stage, StageChange
from cases.services import case_close, case_open, case_reopen, case_set_stage
from cases.views import DETAIL_FIELDS
from people.access import IDENTITY_FIELDS, can_see_identity, person_for_edit
from people.models import Person
from tsunagu.forms import JapaneseDateField

router = Router(tags=TAGS)

DETAIL_ACTIVITIES = 20
CASE_DETAIL_FIELDS = (*DETAIL_FIELDS, "closure_reason")


class CaseIn(Schema):
    title: str = ""
    person_id: int | None = None
    household_id: int | None = None
    lead_worker_id: int | None = None
    contact_every_days: int = 30
    opened_on: str = ""


class CaseOut(Schema):
    id: int
    title: str
    stage: str
    stage_label: str
    is_open: bool
    person: PersonOut | None
    household_id: int | None
    household_label: str | None
    lead_worker: StaffRef
    team: list[StaffRef]
    opened_on: date
    contact_every_days: int
    last_contact_on: date | None
    contact_due_on: date
    first_met_on: date | None
    closure_reason: str
    closure_reason_label: str
    closed_on: date | None
    follow_up_on: date | None
    version: int


class StageChangeOut(Schema):
    from_stage: str
    from_stage_label: str
    to_stage: str
    to_stage_label: str
    note: str
    # The memo as the page shows it: an old closure row that kept the reason's code (`other`)
    # reads as its Japanese label (StageChange.note_label).
    note_label: str
    at: datetime
    by: StaffRef


class CaseDetailOut(CaseOut):
    stage_changes: list[StageChangeOut]
    latest_assessment: AssessmentOut | None
    latest_plan: PlanOut | None
    activity_count: int
    activities: list[ActivityOut]
    referrals: list[ReferralOut]


class StageIn(Schema):
    stage: str = ""
    version: int | None = None
    note: str = ""


class CloseIn(Schema):
    reason: str = ""
    follow_up_on: str = ""
    note: str = ""
    version: int | None = None


class ReopenIn(Schema):
    version: int | None = None
    note: str = ""


class CaseForm(forms.ModelForm[Case]):
    opened_on = JapaneseDateField(label="開始日", required=False)
    lead_worker_id = forms.ModelChoiceField(
        label="主担当", queryset=User.objects.none(), required=False
    )

    class Meta:
        model = Case
        fields = ["title", "opened_on", "contact_every_days"]

    def __init__(self, *args: Any, workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "lead_worker_id", workers)
        japanese(self)

    def clean_opened_on(self) -> date | None:
        return not_future_day(self.cleaned_data.get("opened_on"))

    def clean_contact_every_days(self) -> int:
        value: int = self.cleaned_data["contact_every_days"]
        if not 1 <= value <= 365:
            raise forms.ValidationError("連絡の間隔は1〜365日で入力してください。")
        return value


def _case_title(case: Case, user: User) -> str:
    # The title usually carries the person's name ("高橋 勇気さんの支援").
    if case.person is not None and not can_see_identity(user, case.person):
        return f"ケース #{case.pk}（{case.person.restricted_label}）"
    return case.title


def _case_fields(case: Case, user: User) -> dict[str, Any]:
    return {
        "id": case.pk,
        "title": _case_title(case, user),
        "stage": case.stage,
        "stage_label": case.get_stage_display(),
        "is_open": case.is_open,
        "person": person_out(case.person, user) if case.person else None,
        "household_id": case.household_id,
        "household_label": case.household.label if case.household else None,
        "lead_worker": staff_ref(case.lead_worker),
        "team": [staff_ref(member) for member in case.team.all()],
        "opened_on": case.opened_on,
        "contact_every_days": case.contact_every_days,
        "last_contact_on": case.last_contact_on,
        "contact_due_on": case.contact_due_on(),
        "first_met_on": case.first_met_on,
        "closure_reason": case.closure_reason,
        "closure_reason_label": case.get_closure_reason_display() if case.closure_reason else "",
        "closed_on": case.closed_on,
        "follow_up_on": case.follow_up_on,
        "version": case.version,
    }


def case_out(case: Case, user: User) -> CaseOut:
    return CaseOut(**_case_fields(case, user))


def _saved_case_out(case: Case, user: User) -> Status[CaseOut]:
    """200 with the case as saved (its team and person loaded again)."""
    return Status(200, case_out(case_queryset().get(pk=case.pk), user))


def _stage_change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        from_stage=change.from_stage,
        from_stage_label=change.get_from_stage_display() if change.from_stage else "",
        to_stage=change.to_stage,
        to_stage_label=change.get_to_stage_display(),
        note=change.note,
        note_label=change.note_label,
        at=change.at,
        by=staff_ref(change.by),
    )


class CasePage(PageOut):
    items: list[CaseOut]


@router.get(
    "/cases",
    response={200: CasePage, 403: ErrorOut, 422: FormErrors},
    summary="ケースの一覧（進行中が先、開始日の新しい順、ページ送り）",
)
def cases_list(request: HttpRequest, page: Query[PageIn]) -> CasePage:
    user = auth_user(request)
    paged = paging(page)
    closed_last = Switch(
        When(stage=Stage.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    listed, count = page_for_user(
        user,
        case_queryset()
        .annotate(closed_last=closed_last)
        .order_by("closed_last", "-opened_on", "-id"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=SUMMARY_FIELDS,
        offset=paged.offset,
        limit=paged.limit,
    )
    return CasePage(**paged.envelope(count, [case_out(case, user) for case in listed]))


@router.post(
    "/cases",
    response={201: CaseOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースを開く",
)
def cases_create(request: HttpRequest, payload: CaseIn) -> Status[Any]:
    """本人（`person_id`）か世帯（`household_id`）のどちらかが必要です。主担当は省略すると自分。"""
    user = editor(request)
    organisation_id = own_organisation_id(user)
    form = CaseForm(payload.dict(exclude={"person_id", "household_id"}), workers=workers(user))
    errors = form_errors(form)
    if payload.person_id is None and payload.household_id is None:
        errors["person_id"] = ["本人か世帯のどちらかを選んでください。"]
    refuse(errors)
    person = household = None
    if payload.person_id is not None:
        person = person_for_edit(
            request, payload.person_id, persons=Person.objects.current(), fields=IDENTITY_FIELDS
        )
    if payload.household_id is not None:
        household = household_to_edit(user, payload.household_id, request)
    with service_refusals():
        case = case_open(
            organisation_id=organisation_id,
            title=form.cleaned_data["title"],
            lead_worker=form.cleaned_data["lead_worker_id"] or user,
            person_id=person.pk if person else None,
            household_id=household.pk if household else None,
            contact_every_days=form.cleaned_data["contact_every_days"],
            opened_on=form.cleaned_data["opened_on"],
            by=user,
            request=request,
        )
    return Status(201, case_out(case_queryset().get(pk=case.pk), user))


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="ケース1件（最新のアセスメント・プラン、直近の支援経過、つなぎ）",
)
def cases_read(request: HttpRequest, case_id: int) -> CaseDetailOut:
    """アセスメントの要配慮個人情報（`medical_flags`・`medical_history`）は担当チームだけに示し、
    ほかの職員には null と `sensitive_hidden: true` を返します。示したときは監査ログに残します。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=CASE_DETAIL_FIELDS)
    sensitive = can_see_sensitive(user, case)
    assessment = assessments(case, sensitive=sensitive).first()
    if sensitive and assessment is not None:
        audit_sensitive_read(user, [assessment], request)
    plan = plans(case).first()
    logged = activities(case)
    case_referrals = referrals().filter(case=case).order_by("-referred_on", "-id")
    return CaseDetailOut(
        **_case_fields(case, user),
        stage_changes=[
            _stage_change_out(change) for change in case.stage_changes.select_related("by")
        ],
        latest_assessment=assessment_out(assessment, sensitive=sensitive) if assessment else None,
        latest_plan=plan_out(plan) if plan else None,
        activity_count=logged.count(),
        activities=[activity_out(a) for a in logged[:DETAIL_ACTIVITIES]],
        referrals=[referral_out(referral, user) for referral in case_referrals],
    )


@router.post(
    "/cases/{case_id}/stage",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="ケースの段階を変える（version 必須）",
)
def cases_set_stage(request: HttpRequest, case_id: int, payload: StageIn) -> Status[Any]:
    """終結は `/close`、再開は `/reopen` で行います。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=("stage",))
    # The pages' forms; the API reads `version` from the body itself (422 if missing).
    form = without(case_forms.StageForm(payload.dict(exclude={"version"})), "version")
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        updated = case_set_stage(
            case=case,
            stage=form.cleaned_data["stage"],
            version=version,
            note=form.cleaned_data["note"],
            by=user,
            request=request,
        )
    return _saved_case_out(updated, user)


@router.post(
    "/cases/{case_id}/close",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="ケースを終結する（理由・確認日・version）",
)
def cases_close(request: HttpRequest, case_id: int, payload: CloseIn) -> Status[Any]:
    """結果の決まっていないつなぎ（打診中・受入）があるうちは 422 で、終結しません。"""
    user = auth_user(request)
    fields = ("stage", "referrals")
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=fields)
    form = without(case_forms.CloseForm(payload.dict(exclude={"version"})), "version")
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        closed = case_close(
            case=case,
            reason=form.cleaned_data["reason"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            version=version,
            by=user,
            note=form.cleaned_data["note"],
            request=request,
        )
    return _saved_case_out(closed, user)


@router.post(
    "/cases/{case_id}/reopen",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="終結したケースを再開する（version 必須）",
)
def cases_reopen(request: HttpRequest, case_id: int, payload: ReopenIn) -> Status[Any]:
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=("stage",))
    form = without(case_forms.ReopenForm(payload.dict(exclude={"version"})), "version")
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        reopened = case_reopen(
            case=case,
            version=version,
            note=form.cleaned_data["note"],
            by=user,
            request=request,
        )
    return _saved_case_out(reopened, user)
