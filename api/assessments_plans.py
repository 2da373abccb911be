"""Assessments and support plans of a case in the JSON API: every version, newest first.

The 要配慮個人情報 of an assessment (medical flags and history) are shown and written only by the
case's team, and every view of them is audited, as on the pages.
"""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

import cases.forms as case_forms
from accounts.access import audit_list_read, can_see_sensitive
from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    AgencyRef,
    FormErrors,
    StaffRef,
    age_in_range,
    agency_ref,
    auth_user,
    cleaned,
    directory,
    form_errors,
    japanese,
    limit_choices,
    not_future_day,
    refuse,
    require_valid,
    service_refusals,
    staff_ref,
    workers,
)
from api.schemas import ErrorOut
from audit.models import AuditEvent
from audit.services import audit_record
from cases.assessment_views import ASSESSMENT_FIELDS
from cases.models import Assessment, Case, DomainStatus, LifeDomain, MedicalFlag, SupportPlan
from cases.plan_views import plans_with_actions
from cases.services import assessment_add, plan_save, validate_plan
from cases.views import load_case
from collaboration.models import Agency
from people.forms import JapaneseDateField

router = Router(tags=TAGS)

PLAN_FIELDS = ("plans",)


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


class AssessmentForm(forms.ModelForm[Assessment]):
    """The page's fields as JSON: the life domains as one object (`{"isolation": "issue"}`).
    Unlike the page, the date may be left out (today) and the messages differ."""

    assessed_on = JapaneseDateField(label="実施日", required=False)
    medical_flags = forms.MultipleChoiceField(
        label="医療連携の検討", choices=MedicalFlag.choices, required=False
    )
    medical_history = forms.CharField(
        label="医療・服薬の経過", required=False, widget=forms.Textarea
    )
    life_domains = forms.JSONField(label="生活の領域ごとの状況", required=False)

    class Meta:
        model = Assessment
        fields = list(case_forms.AssessmentForm.PLAIN_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese(self)

    def clean_assessed_on(self) -> date | None:
        return not_future_day(self.cleaned_data.get("assessed_on"))

    def clean_state_since_month(self) -> int | None:
        value: int | None = self.cleaned_data.get("state_since_month")
        if value is not None and not 1 <= value <= 12:
            raise forms.ValidationError("月は1〜12で入力してください。")
        return value

    def clean_state_since_year(self) -> int | None:
        value: int | None = self.cleaned_data.get("state_since_year")
        if value is not None and not 1900 <= value <= timezone.localdate().year:
            raise forms.ValidationError("年は西暦4桁で、今年までの年を入力してください。")
        return value

    def clean_age_at_onset(self) -> int | None:
        return age_in_range(self.cleaned_data.get("age_at_onset"), "始まった年齢")

    def clean_life_domains(self) -> dict[str, str]:
        value = self.cleaned_data.get("life_domains") or {}
        if not isinstance(value, dict) or any(
            domain not in LifeDomain.values or status not in DomainStatus.values
            for domain, status in value.items()
        ):
            raise forms.ValidationError(
                "生活の領域と状況は一覧にあるものから選んでください"
                f"（領域: {'・'.join(LifeDomain.values)}、"
                f"状況: {'・'.join(DomainStatus.values)}）。"
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        year, month = cleaned.get("state_since_year"), cleaned.get("state_since_month")
        if year and month and date(year, month, 1) > timezone.localdate():
            self.add_error("state_since_month", "未来の年月は入力できません。")
        return cleaned


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


@router.get(
    "/cases/{case_id}/assessments",
    response={200: list[AssessmentOut], 403: ErrorOut, 404: ErrorOut},
    summary="ケースのアセスメント（全版、新しい順）",
)
def assessments_list(request: HttpRequest, case_id: int) -> list[AssessmentOut]:
    """要配慮個人情報は担当チームだけに示します（ほかは null と `sensitive_hidden: true`）。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=ASSESSMENT_FIELDS)
    sensitive = can_see_sensitive(user, case)
    listed = list(assessments(case, sensitive=sensitive))
    if sensitive:
        audit_sensitive_read(user, listed, request)
    return [assessment_out(a, sensitive=sensitive) for a in listed]


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
    form = AssessmentForm(payload.dict())
    require_valid(form)
    data = cleaned(form, [*AssessmentForm.Meta.fields, "life_domains"])
    data["medical_flags"] = form.cleaned_data["medical_flags"]
    data["medical_history"] = form.cleaned_data["medical_history"]
    with service_refusals():
        assessment = assessment_add(case=case, data=data, by=user, request=request)
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


class PlanForm(forms.ModelForm[SupportPlan]):
    """The page's plan fields; the goals are checked by `validate_plan`, with its messages, so
    that they are refused together with the actions. Unlike the page, an approval date in the
    future is refused and the long texts are not checked for control characters."""

    work_readiness_started_on = JapaneseDateField(label="就労準備支援の開始日", required=False)
    review_on = JapaneseDateField(label="見直し日")
    approved_on = JapaneseDateField(label="承認日", required=False)

    class Meta:
        model = SupportPlan
        fields = list(case_forms.PlanForm.DATA_FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["long_term_goal"].required = False
        self.fields["short_term_goals"].required = False
        japanese(self)

    def clean_approved_on(self) -> date | None:
        return not_future_day(self.cleaned_data.get("approved_on"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            validate_plan(cleaned)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class PlanActionForm(forms.Form):
    """One action of the JSON list `actions`. The page's formset skips a row without a
    description and refuses a worker and an agency together."""

    description = forms.CharField(label="取り組み", max_length=300)
    responsible_worker_id = forms.ModelChoiceField(
        label="担当職員", queryset=User.objects.none(), required=False
    )
    responsible_agency_id = forms.ModelChoiceField(
        label="担当機関", queryset=Agency.objects.none(), required=False
    )

    def __init__(
        self, *args: Any, workers: QuerySet[User], agencies: QuerySet[Agency], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "responsible_worker_id", workers)
        limit_choices(self, "responsible_agency_id", agencies)
        japanese(self)

    def action_data(self) -> dict[str, Any]:
        return {
            "description": self.cleaned_data["description"],
            "responsible_worker": self.cleaned_data["responsible_worker_id"],
            "responsible_agency": self.cleaned_data["responsible_agency_id"],
        }


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


@router.get(
    "/cases/{case_id}/plans",
    response={200: list[PlanOut], 403: ErrorOut, 404: ErrorOut},
    summary="ケースの支援プラン（全版、新しい順）",
)
def plans_list(request: HttpRequest, case_id: int) -> list[PlanOut]:
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=PLAN_FIELDS)
    return [plan_out(plan) for plan in plans(case)]


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
    form = PlanForm(payload.dict(exclude={"based_on", "actions"}))
    errors = form_errors(form)
    staff, agencies = workers(user), directory(user)
    actions: list[dict[str, Any]] = []
    for index, action in enumerate(payload.actions):
        action_form = PlanActionForm(action.dict(), workers=staff, agencies=agencies)
        if action_form.is_valid():
            actions.append(action_form.action_data())
        else:
            errors.update(form_errors(action_form, prefix=f"actions.{index}"))
    if payload.based_on is None:
        errors["based_on"] = ["編集のもとにしたプランの版（最初のプランは 0）を送ってください。"]
    refuse(errors)
    with service_refusals():
        plan = plan_save(
            case=case,
            data=cleaned(form, PlanForm.Meta.fields),
            actions=actions,
            based_on=payload.based_on or 0,
            by=user,
            request=request,
        )
    return Status(201, plan_out(plans(case).get(pk=plan.pk)))
