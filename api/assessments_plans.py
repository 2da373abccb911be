"""Assessments and support plans of a case in the JSON API: every version, newest first.

The 要配慮個人情報 of an assessment (medical flags and history) are shown and written only by the
case's team, and every view of them is audited, as on the pages.
"""

from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from accounts.access import audit_list_read
from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    AgencyRef,
    FormErrors,
    StaffRef,
    agency_ref,
    auth_user,
    form_errors,
    refuse,
    service_refusals,
    staff_ref,
    without,
    workers,
)
from api.paging import PageIn, PageOut, paging
from api.schemas import ErrorOut
from audit.models import AuditEvent
from audit.services import audit_record
from cases.access import can_see_sensitive, load_case
from cases.assessment_views import ASSESSMENT_FIELDS
from cases.forms import DOMAIN_PREFIX, AssessmentForm, PlanActionForm, PlanForm
from cases.models import Assessment, Case, DomainStatus, LifeDomain, MedicalFlag, SupportPlan
from cases.plan_views import plans_with_actions
from cases.services import assessment_add, plan_save
from collaboration.directory.forms import agency_choices
from collaboration.directory.services import directory_for

router = Router(tags=TAGS)

PLAN_FIELDS = ("plans",)
# The body's names of the page's plan action fields.
ACTION_NAMES = {
    "responsible_worker": "responsible_worker_id",
    "responsible_agency": "responsible_agency_id",
}


# ---------------------------------------------------------------------------------------------
# Assessments


class AssessmentIn(Schema):
    assessed_on: str = ""
    outing_level: str = ""
    state_since_year: int | None = None
    state_since_month: int | None = None
    since_is_approximate: bool = True
    age_at_onset: int | None = None
    triggers: str = ""
    medical_flags: list[str] = []
    medical_history: str = ""
    life_domains: dict[str, str] = {}
    strengths: str = ""
    wishes_person: str = ""
    wishes_family: str = ""
    guideline_stage: str = ""
    self_reliance_stage: str = ""


class AssessmentOut(Schema):
    id: int
    number: int
    assessed_on: date
    outing_level: str
    outing_level_label: str
    state_since_year: int | None
    state_since_month: int | None
    since_is_approximate: bool
    age_at_onset: int | None
    triggers: str
    sensitive_hidden: bool
    medical_flags: list[str] | None
    medical_flag_labels: list[str] | None
    medical_history: str | None
    life_domains: dict[str, str]
    strengths: str
    wishes_person: str
    wishes_family: str
    guideline_stage: str
    guideline_stage_label: str
    self_reliance_stage: str
    self_reliance_stage_label: str
    created_by: StaffRef
    created_at: datetime


UNKNOWN_DOMAIN = (
    "生活の領域は一覧にあるものから選んでください"
    f"（領域: {'・'.join(LifeDomain.values)}、状況: {'・'.join(DomainStatus.values)}）。"
)


def assessment_form(payload: AssessmentIn, *, sensitive: bool) -> AssessmentForm:
    """The page's form: the life domains as its `domain_<code>` fields; the date defaults to
    today. Without the right to see them the sensitive fields are not read (the service carries
    them over)."""
    data: dict[str, Any] = payload.dict(exclude={"life_domains"})
    data["assessed_on"] = payload.assessed_on or timezone.localdate().isoformat()
    for code, status in payload.life_domains.items():
        data[DOMAIN_PREFIX + code] = status
    return AssessmentForm(data, show_sensitive=sensitive)


def assessment_form_errors(form: AssessmentForm, payload: AssessmentIn) -> dict[str, list[str]]:
    """The form's refusals; a life domain's are the body's `life_domains`."""
    errors: dict[str, list[str]] = {}
    for field, messages in form_errors(form).items():
        key = "life_domains" if field.startswith(DOMAIN_PREFIX) else field
        errors.setdefault(key, []).extend(messages)
    if any(code not in LifeDomain.values for code in payload.life_domains):
        errors.setdefault("life_domains", []).append(UNKNOWN_DOMAIN)
    return errors


def assessments(case: Case, *, sensitive: bool) -> QuerySet[Assessment]:
    """A case's assessments; without the right to see them, the sensitive fields are never
    loaded (nor decrypted)."""
    queryset = case.assessments.select_related("created_by").order_by("-number")
    return queryset if sensitive else queryset.defer(*Assessment.SENSITIVE_FIELDS)


def assessment_out(assessment: Assessment, *, sensitive: bool) -> AssessmentOut:
    flags: list[str] | None = None
    flag_labels: list[str] | None = None
    history: str | None = None
    if sensitive:
        flags = list(assessment.medical_flags or [])
        flag_labels = [MedicalFlag(flag).label for flag in flags]
        history = assessment.medical_history or ""
    return AssessmentOut(
        id=assessment.pk,
        number=assessment.number,
        assessed_on=assessment.assessed_on,
        outing_level=assessment.outing_level,
        outing_level_label=assessment.get_outing_level_display() if assessment.outing_level else "",
        state_since_year=assessment.state_since_year,
        state_since_month=assessment.state_since_month,
        since_is_approximate=assessment.since_is_approximate,
        age_at_onset=assessment.age_at_onset,
        triggers=assessment.triggers,
        sensitive_hidden=not sensitive,
        medical_flags=flags,
        medical_flag_labels=flag_labels,
        medical_history=history,
        life_domains=dict(assessment.life_domains or {}),
        strengths=assessment.strengths,
        wishes_person=assessment.wishes_person,
        wishes_family=assessment.wishes_family,
        guideline_stage=assessment.guideline_stage,
        guideline_stage_label=(
            assessment.get_guideline_stage_display() if assessment.guideline_stage else ""
        ),
        self_reliance_stage=assessment.self_reliance_stage,
        self_reliance_stage_label=(
            assessment.get_self_reliance_stage_display() if assessment.self_reliance_stage else ""
        ),
        created_by=staff_ref(assessment.created_by),
        created_at=assessment.created_at,
    )


def audit_sensitive_read(user: User, shown: list[Assessment], request: HttpRequest) -> None:
    """Every view of 要配慮個人情報 is audited with the sensitive field names."""
    if shown:
        audit_list_read(
            user, shown, model=Assessment, request=request, fields=Assessment.SENSITIVE_FIELDS
        )


class AssessmentPage(PageOut):
    items: list[AssessmentOut]


@router.get(
    "/cases/{case_id}/assessments",
    response={200: AssessmentPage, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースのアセスメント（全版、新しい順、ページ送り）",
)
def assessments_list(request: HttpRequest, case_id: int, page: Query[PageIn]) -> AssessmentPage:
    """要配慮個人情報は担当チームだけに示します（ほかは null と `sensitive_hidden: true`）。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=ASSESSMENT_FIELDS)
    paged = paging(page)
    sensitive = can_see_sensitive(user, case)
    listed, count = paged.rows(assessments(case, sensitive=sensitive))
    if sensitive:
        audit_sensitive_read(user, listed, request)
    items = [assessment_out(a, sensitive=sensitive) for a in listed]
    return AssessmentPage(**paged.envelope(count, items))


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="アセスメントの新しい版を記録する",
)
def assessments_create(request: HttpRequest, case_id: int, payload: AssessmentIn) -> Status[Any]:
    """前の版は変わりません。要配慮個人情報（医療・服薬）は担当チームの職員だけが記録できます。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=ASSESSMENT_FIELDS)
    sensitive = can_see_sensitive(user, case)
    if (payload.medical_flags or payload.medical_history.strip()) and not sensitive:
        audit_record(
            action=AuditEvent.Action.DENIED,
            actor=user,
            request=request,
            obj=case,
            detail={"reason": "sensitive_not_on_team"},
        )
        raise PermissionDenied(
            "要配慮個人情報（医療・服薬）は、ケースの担当チームの職員だけが記録できます。"
        )
    form = assessment_form(payload, sensitive=sensitive)
    refuse(assessment_form_errors(form, payload))
    with service_refusals():
        assessment = assessment_add(
            case=case, data=form.assessment_data(), by=user, request=request
        )
    saved = Assessment.objects.select_related("created_by").get(pk=assessment.pk)
    return Status(201, assessment_out(saved, sensitive=sensitive))


# ---------------------------------------------------------------------------------------------
# Support plans


class PlanActionIn(Schema):
    description: str = ""
    responsible_worker_id: int | None = None
    responsible_agency_id: int | None = None


class PlanIn(Schema):
    based_on: int | None = None
    long_term_goal: str = ""
    short_term_goals: str = ""
    services: str = ""
    uses_work_readiness: bool = False
    work_readiness_started_on: str = ""
    work_readiness_extension_reason: str = ""
    review_on: str = ""
    approved_on: str = ""
    approval_meeting: str = ""
    actions: list[PlanActionIn] = []


class PlanActionOut(Schema):
    id: int
    description: str
    responsible_worker: StaffRef | None
    responsible_agency: AgencyRef | None


class PlanOut(Schema):
    id: int
    number: int
    long_term_goal: str
    short_term_goals: str
    services: str
    uses_work_readiness: bool
    work_readiness_started_on: date | None
    work_readiness_extension_reason: str
    review_on: date
    approved_on: date | None
    approval_meeting: str
    actions: list[PlanActionOut]
    created_by: StaffRef
    created_at: datetime


def plans(case: Case) -> QuerySet[SupportPlan]:
    return plans_with_actions(case).order_by("-number")


def plan_out(plan: SupportPlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        number=plan.number,
        long_term_goal=plan.long_term_goal,
        short_term_goals=plan.short_term_goals,
        services=plan.services,
        uses_work_readiness=plan.uses_work_readiness,
        work_readiness_started_on=plan.work_readiness_started_on,
        work_readiness_extension_reason=plan.work_readiness_extension_reason,
        review_on=plan.review_on,
        approved_on=plan.approved_on,
        approval_meeting=plan.approval_meeting,
        actions=[
            PlanActionOut(
                id=action.pk,
                description=action.description,
                responsible_worker=(
                    staff_ref(action.responsible_worker) if action.responsible_worker else None
                ),
                responsible_agency=(
                    agency_ref(action.responsible_agency) if action.responsible_agency else None
                ),
            )
            for action in plan.actions.all()
        ],
        created_by=staff_ref(plan.created_by),
        created_at=plan.created_at,
    )


class PlanPage(PageOut):
    items: list[PlanOut]


@router.get(
    "/cases/{case_id}/plans",
    response={200: PlanPage, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースの支援プラン（全版、新しい順、ページ送り）",
)
def plans_list(request: HttpRequest, case_id: int, page: Query[PageIn]) -> PlanPage:
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=PLAN_FIELDS)
    paged = paging(page)
    listed, count = paged.rows(plans(case))
    return PlanPage(**paged.envelope(count, [plan_out(plan) for plan in listed]))


@router.post(
    "/cases/{case_id}/plans",
    response={201: PlanOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="支援プランの次の版を保存する（based_on 必須）",
)
def plans_create(request: HttpRequest, case_id: int, payload: PlanIn) -> Status[Any]:
    """`based_on` は編集のもとにした版の番号（最初のプランは 0）。その後にほかの人が保存して
    いれば 409 で、保存しません。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=PLAN_FIELDS)
    # The page's forms; the API reads `based_on` from the body itself.
    form = without(PlanForm(payload.dict(exclude={"based_on", "actions"})), "based_on")
    errors = form_errors(form)
    choices = {
        "worker_choices": [(worker.pk, str(worker)) for worker in workers(user)],
        "agency_choices": agency_choices(list(directory_for(user))),
    }
    actions: list[dict[str, Any]] = []
    for index, action in enumerate(payload.actions):
        action_form = PlanActionForm(
            {
                "description": action.description,
                "responsible_worker": action.responsible_worker_id,
                "responsible_agency": action.responsible_agency_id,
            },
            **choices,
        )
        if action_form.is_valid():
            # Every action sent is one: an empty description is refused by the service.
            actions.append(action_form.action_data())
        else:
            errors.update(form_errors(action_form, f"actions.{index}", ACTION_NAMES))
    if payload.based_on is None:
        errors["based_on"] = ["編集のもとにしたプランの版（最初のプランは 0）を送ってください。"]
    refuse(errors)
    with service_refusals():
        plan = plan_save(
            case=case,
            data=form.plan_data(),
            actions=actions,
            based_on=payload.based_on or 0,
            by=user,
            request=request,
        )
    return Status(201, plan_out(plans(case).get(pk=plan.pk)))
