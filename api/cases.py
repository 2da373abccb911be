"""Consultations, cases, referrals and the agency directory in the JSON API.

The same access functions and services as the pages: another organisation's record is 404, a
missing right is 403, every read is audited by the access functions, every write by the services.
Input is checked by forms here and by the services; refusals are 422 with Japanese messages per
field (`FormErrors`), and an edit based on a stale version is 409.
"""

from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as Switch
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from ninja.params import P, QueryEx

from accounts.access import (
    audit_list_read,
    can_see_identity,
    can_see_sensitive,
    get_for_user,
    list_for_user,
    own_organisation_id,
    require_right,
)
from accounts.models import LocalGovernment, User
from accounts.roles import ROLE_RIGHTS, Right
from accounts.services import StaleVersionError
from api.people import FormErrors, PersonIn, PersonOut, person_out
from api.schemas import ErrorOut
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import (
    Activity,
    Assessment,
    Case,
    ClosureReason,
    DomainStatus,
    LifeDomain,
    MedicalFlag,
    PlanAction,
    Stage,
    StageChange,
    SupportPlan,
)
from cases.services import (
    activity_add,
    assessment_add,
    case_close,
    case_open,
    case_reopen,
    case_set_stage,
    plan_save,
    referral_create,
    referral_set_state,
    validate_activity_time,
    validate_plan,
)
from collaboration.models import Agency, Referral, ReferralEvent
from consultations.models import Category, Consultation, Disposition
from consultations.services import consultation_record
from people.forms import JapaneseDateField, PersonForm
from people.models import Household, Person
from people.validation import parse_date_input, reject_control_characters
from people.views import IDENTITY_FIELDS

router = Router(tags=["相談・ケース・つなぎ"])

INVALID = "入力内容を確認してください。保存していません。"
NOT_FUTURE = "未来の日時は記録できません。"
ACTIVITY_PAGE_MAX = 100
DETAIL_ACTIVITIES = 20

# Field names written to the audit log for each read (names only, never values).
CONSULTATION_FIELDS = (
    "received_at",
    "channel",
    "consulter_type",
    "consulter_name",
    "person",
    "categories",
    "main_concern",
    "content",
    "urgency",
    "disposition",
)
CASE_FIELDS = ("title", "stage", "person", "household", "lead_worker", "team", "opened_on")
CASE_DETAIL_FIELDS = (
    *CASE_FIELDS,
    "closure_reason",
    "stage_changes",
    "assessment",
    "plan",
    "activities",
    "referrals",
)
ASSESSMENT_FIELDS = ("assessments",)
PLAN_FIELDS = ("plans",)
ACTIVITY_FIELDS = ("activities",)
REFERRAL_FIELDS = ("person", "agency", "purpose", "state", "follow_up_on")

# Roles that work with personal records: the staff who can lead a case or take part in it.
WORKER_ROLES = [
    role.value for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights
]


# ---------------------------------------------------------------------------------------------
# Schemas


class StaffRef(Schema):
    id: int
    display_name: str


class AgencyRef(Schema):
    id: int
    name: str
    category: str
    category_label: str


class AgencyOut(AgencyRef):
    address: str
    phone: str
    hours: str
    area: str
    note: str
    local_government_name: str
    uses_tsunagu: bool


class AgencyIn(Schema):
    name: str = ""
    category: str = ""
    address: str = ""
    phone: str = ""
    hours: str = ""
    area: str = ""
    note: str = ""
    prefecture_wide: bool = False


class NewPersonIn(Schema):
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    alias: str = ""
    birth_date: str = ""
    estimated_age: int | None = None
    sex: str = "unknown"


class ConsultationIn(Schema):
    received_at: str = ""
    channel: str = ""
    consulter_type: str = ""
    consulter_relationship: str = ""
    consulter_agency_id: int | None = None
    consulter_name: str = ""
    person_id: int | None = None
    new_person: NewPersonIn | None = None
    household_id: int | None = None
    age_at_contact: int | None = None
    categories: list[str] = []
    main_concern: str = ""
    content: str = ""
    urgency: str = "normal"
    disposition: str = ""
    agency_id: int | None = None
    referral_purpose: str = ""
    referral_follow_up_on: str = ""


class ConsultationOut(Schema):
    id: int
    received_at: datetime
    channel: str
    channel_label: str
    consulter_type: str
    consulter_type_label: str
    consulter_relationship: str
    consulter_agency: AgencyRef | None
    consulter_name: str | None
    person: PersonOut
    age_at_contact: int | None
    categories: list[str]
    category_labels: list[str]
    main_concern: str
    main_concern_label: str
    content: str
    urgency: str
    urgency_label: str
    disposition: str
    disposition_label: str
    case_id: int | None
    referral_id: int | None
    is_out_of_hours: bool
    taken_by: StaffRef


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
    at: datetime
    by: StaffRef


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


class ActivityIn(Schema):
    occurred_at: str = ""
    kind: str = ""
    visit_outcome: str = ""
    met_person: bool = False
    participant_ids: list[int] = []
    other_participants: str = ""
    content: str = ""
    next_action: str = ""
    next_action_on: str = ""


class ActivityOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    kind_label: str
    visit_outcome: str
    visit_outcome_label: str
    met_person: bool
    is_contact: bool
    participants: list[StaffRef]
    other_participants: str
    content: str
    next_action: str
    next_action_on: date | None
    is_out_of_hours: bool
    recorded_by: StaffRef


class ActivityPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[ActivityOut]


class ReferralIn(Schema):
    case_id: int | None = None
    person_id: int | None = None
    agency_id: int | None = None
    purpose: str = ""
    follow_up_on: str = ""
    accompanied: bool = False


class ReferralEventOut(Schema):
    state: str
    state_label: str
    note: str
    at: datetime
    by: StaffRef


class ReferralOut(Schema):
    id: int
    case_id: int | None
    person: PersonOut
    agency: AgencyRef
    purpose: str
    state: str
    state_label: str
    is_open: bool
    is_overdue: bool
    failed_reason: str
    accompanied: bool
    referred_on: date
    follow_up_on: date
    referred_by: StaffRef
    version: int
    events: list[ReferralEventOut] = []


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
    version: int | None = None


class ReopenIn(Schema):
    version: int | None = None
    note: str = ""


class ReferralStateIn(Schema):
    state: str = ""
    version: int | None = None
    note: str = ""
    follow_up_on: str = ""


# ---------------------------------------------------------------------------------------------
# Helpers


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def _unprocessable(errors: dict[str, list[str]]) -> Status[FormErrors]:
    """422: the non-field message when there is one (it says what to do), else the general one."""
    detail = " ".join(errors.get("__all__", [])) or INVALID
    return Status(422, FormErrors(detail=detail, errors=errors))


def _form_errors(form: forms.BaseForm, prefix: str = "") -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        key = field
        if prefix:
            key = prefix if field == "__all__" else f"{prefix}.{field}"
        errors[key] = [str(message) for message in messages]
    return errors


def _service_errors(
    error: ValidationError, names: dict[str, str] | None = None
) -> dict[str, list[str]]:
    """A service's ValidationError as per-field messages, named as in the request body."""
    names = names or {}
    if hasattr(error, "error_dict"):
        return {names.get(field, field): messages for field, messages in error.message_dict.items()}
    return {"__all__": list(error.messages)}


def _missing_version() -> Status[FormErrors]:
    return _unprocessable({"version": ["読み込んだときの version を送ってください。"]})


def _stale(error: StaleVersionError) -> Status[ErrorOut]:
    return Status(409, ErrorOut(detail=str(error)))


def _japanese(form: forms.BaseForm, required: dict[str, str] | None = None) -> None:
    """Japanese messages that name the field, and no control characters in one-line text."""
    for name, field in form.fields.items():
        label = str(field.label or name)
        if isinstance(field, forms.ChoiceField):
            field.error_messages["required"] = f"{label}を選んでください。"
            field.error_messages["invalid_choice"] = f"{label}は一覧にあるものから選んでください。"
            field.error_messages["invalid_pk_value"] = (
                f"{label}は一覧にあるものから選んでください。"
            )
        else:
            field.error_messages["required"] = f"{label}を入力してください。"
        if isinstance(field, forms.DateTimeField):
            field.error_messages["invalid"] = (
                f"{label}は 2026-04-01T10:30 のように日付と時刻で入力してください。"
            )
        if (
            isinstance(field, forms.CharField)
            and not isinstance(field.widget, forms.Textarea)
            and reject_control_characters not in field.validators
        ):
            field.validators.append(reject_control_characters)
    for name, message in (required or {}).items():
        form.fields[name].error_messages["required"] = message
        form.fields[name].error_messages["invalid_choice"] = message


def _limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset  # type: ignore[type-arg]


def _not_future_day(value: date | None) -> date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError("未来の日付は入力できません。")
    return value


def _workers(user: User) -> QuerySet[User]:
    """Active staff of the user's organisation who work with personal records."""
    return (
        User.objects.filter(
            organisation_id=own_organisation_id(user),
            is_active=True,
            staff_roles__role__in=WORKER_ROLES,
        )
        .distinct()
        .order_by("username")
    )


def _directory(user: User) -> QuerySet[Agency]:
    """The agencies of the user's municipality and its prefecture (all of it for a prefecture)."""
    organisation = user.organisation
    if organisation is None:
        return Agency.objects.none()
    government = organisation.local_government
    if government.kind == LocalGovernment.Kind.PREFECTURE:
        scope = Q(local_government=government) | Q(local_government__prefecture=government)
    else:
        scope = Q(local_government=government)
        if government.prefecture_id:
            scope |= Q(local_government_id=government.prefecture_id)
    return Agency.objects.filter(scope).select_related("local_government")


def _staff_ref(staff: User) -> StaffRef:
    return StaffRef(id=staff.pk, display_name=staff.display_name)


def _agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(
        id=agency.pk,
        name=agency.name,
        category=agency.category,
        category_label=agency.get_category_display(),
    )


def agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        **_agency_ref(agency).dict(),
        address=agency.address,
        phone=agency.phone,
        hours=agency.hours,
        area=agency.area,
        note=agency.note,
        local_government_name=agency.local_government.name,
        uses_tsunagu=agency.organisation_id is not None,
    )


def consultation_out(consultation: Consultation, user: User) -> ConsultationOut:
    person = consultation.person
    identity = can_see_identity(user, person)
    agency = consultation.consulter_agency
    return ConsultationOut(
        id=consultation.pk,
        received_at=consultation.received_at,
        channel=consultation.channel,
        channel_label=consultation.get_channel_display(),
        consulter_type=consultation.consulter_type,
        consulter_type_label=consultation.get_consulter_type_display(),
        consulter_relationship=consultation.consulter_relationship,
        consulter_agency=_agency_ref(agency) if agency else None,
        # A family member's name would identify a restricted person.
        consulter_name=consultation.consulter_name if identity else None,
        person=person_out(person, user),
        age_at_contact=consultation.age_at_contact,
        categories=list(consultation.categories),
        category_labels=consultation.category_labels(),
        main_concern=consultation.main_concern,
        main_concern_label=consultation.get_main_concern_display(),
        content=consultation.content,
        urgency=consultation.urgency,
        urgency_label=consultation.get_urgency_display(),
        disposition=consultation.disposition,
        disposition_label=consultation.get_disposition_display(),
        case_id=consultation.case_id,
        referral_id=consultation.referral_id,
        is_out_of_hours=consultation.is_out_of_hours,
        taken_by=_staff_ref(consultation.taken_by),
    )


def _case_title(case: Case, user: User) -> str:
    # The title usually carries the person's name ("高橋 勇気さんの支援").
    if case.person is not None and not can_see_identity(user, case.person):
        return f"ケース #{case.pk}（{case.person.restricted_label}）"
    return case.title


def case_out(case: Case, user: User) -> CaseOut:
    return CaseOut(**_case_fields(case, user))


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
        "lead_worker": _staff_ref(case.lead_worker),
        "team": [_staff_ref(member) for member in case.team.all()],
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


def _cases() -> QuerySet[Case]:
    return Case.objects.select_related("person", "household", "lead_worker").prefetch_related(
        "team", "person__team"
    )


def _stage_change_out(change: StageChange) -> StageChangeOut:
    return StageChangeOut(
        from_stage=change.from_stage,
        from_stage_label=change.get_from_stage_display() if change.from_stage else "",
        to_stage=change.to_stage,
        to_stage_label=change.get_to_stage_display(),
        note=change.note,
        at=change.at,
        by=_staff_ref(change.by),
    )


def _assessments(case: Case, *, sensitive: bool) -> QuerySet[Assessment]:
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
        created_by=_staff_ref(assessment.created_by),
        created_at=assessment.created_at,
    )


def _audit_sensitive_read(user: User, assessments: list[Assessment], request: HttpRequest) -> None:
    """Every view of 要配慮個人情報 is audited with the sensitive field names."""
    if assessments:
        audit_list_read(
            user,
            assessments,
            model=Assessment,
            request=request,
            fields=Assessment.SENSITIVE_FIELDS,
        )


def _plans(case: Case) -> QuerySet[SupportPlan]:
    return (
        case.plans.select_related("created_by")
        .prefetch_related("actions__responsible_worker", "actions__responsible_agency")
        .order_by("-number")
    )


def _plan_action_out(action: PlanAction) -> PlanActionOut:
    worker, agency = action.responsible_worker, action.responsible_agency
    return PlanActionOut(
        id=action.pk,
        description=action.description,
        responsible_worker=_staff_ref(worker) if worker else None,
        responsible_agency=_agency_ref(agency) if agency else None,
    )


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
        actions=[_plan_action_out(action) for action in plan.actions.all()],
        created_by=_staff_ref(plan.created_by),
        created_at=plan.created_at,
    )


def _activities(case: Case) -> QuerySet[Activity]:
    return case.activities.select_related("recorded_by").prefetch_related("participants")


def activity_out(activity: Activity) -> ActivityOut:
    return ActivityOut(
        id=activity.pk,
        occurred_at=activity.occurred_at,
        kind=activity.kind,
        kind_label=activity.get_kind_display(),
        visit_outcome=activity.visit_outcome,
        visit_outcome_label=(
            activity.get_visit_outcome_display() if activity.visit_outcome else ""
        ),
        met_person=activity.met_person,
        is_contact=activity.is_contact,
        participants=[_staff_ref(member) for member in activity.participants.all()],
        other_participants=activity.other_participants,
        content=activity.content,
        next_action=activity.next_action,
        next_action_on=activity.next_action_on,
        is_out_of_hours=activity.is_out_of_hours,
        recorded_by=_staff_ref(activity.recorded_by),
    )


def _referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("agency", "person", "referred_by").prefetch_related(
        "person__team"
    )


def _event_out(event: ReferralEvent) -> ReferralEventOut:
    return ReferralEventOut(
        state=event.state,
        state_label=event.get_state_display(),
        note=event.note,
        at=event.at,
        by=_staff_ref(event.by),
    )


def referral_out(referral: Referral, user: User, *, events: bool = False) -> ReferralOut:
    return ReferralOut(
        id=referral.pk,
        case_id=referral.case_id,
        person=person_out(referral.person, user),
        agency=_agency_ref(referral.agency),
        purpose=referral.purpose,
        state=referral.state,
        state_label=referral.get_state_display(),
        is_open=referral.is_open,
        is_overdue=referral.is_overdue(),
        failed_reason=referral.failed_reason,
        accompanied=referral.accompanied,
        referred_on=referral.referred_on,
        follow_up_on=referral.follow_up_on,
        referred_by=_staff_ref(referral.referred_by),
        version=referral.version,
        events=[_event_out(event) for event in referral.events.select_related("by")]
        if events
        else [],
    )


# ---------------------------------------------------------------------------------------------
# Forms (input checks; the services check their own rules again)


class ConsultationForm(forms.ModelForm[Consultation]):
    received_at = forms.DateTimeField(label="受付日時", required=False)
    categories = forms.MultipleChoiceField(
        label="相談内容", choices=Category.choices, required=False
    )
    consulter_agency_id = forms.ModelChoiceField(
        label="相談してきた機関", queryset=Agency.objects.none(), required=False
    )
    agency_id = forms.ModelChoiceField(
        label="つなぎ先の機関", queryset=Agency.objects.none(), required=False
    )
    referral_purpose = forms.CharField(label="つなぐ目的", max_length=300, required=False)
    referral_follow_up_on = JapaneseDateField(label="つながったかを確認する日", required=False)

    class Meta:
        model = Consultation
        fields = [
            "received_at",
            "channel",
            "consulter_type",
            "consulter_relationship",
            "consulter_name",
            "age_at_contact",
            "categories",
            "main_concern",
            "content",
            "urgency",
            "disposition",
        ]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_choices(self, "consulter_agency_id", agencies)
        _limit_choices(self, "agency_id", agencies)
        _japanese(self, {"disposition": "対応（継続支援・つなぐ・情報提供）を選んでください。"})

    def clean_received_at(self) -> datetime | None:
        value: datetime | None = self.cleaned_data.get("received_at")
        if value and value > timezone.now():
            raise forms.ValidationError(NOT_FUTURE)
        return value

    def clean_age_at_contact(self) -> int | None:
        value: int | None = self.cleaned_data.get("age_at_contact")
        if value is not None and value > 130:
            raise forms.ValidationError("相談時の年齢は0〜130歳の範囲で入力してください。")
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("disposition") == Disposition.REFER:
            if not cleaned.get("agency_id") and "agency_id" not in self.errors:
                self.add_error("agency_id", "つなぎ先の機関を選んでください。")
            if not cleaned.get("referral_follow_up_on") and "referral_follow_up_on" not in (
                self.errors
            ):
                self.add_error(
                    "referral_follow_up_on", "つながったかを確認する日を入力してください。"
                )
        return cleaned


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
        _limit_choices(self, "lead_worker_id", workers)
        _japanese(self)

    def clean_opened_on(self) -> date | None:
        return _not_future_day(self.cleaned_data.get("opened_on"))

    def clean_contact_every_days(self) -> int:
        value: int = self.cleaned_data["contact_every_days"]
        if not 1 <= value <= 365:
            raise forms.ValidationError("連絡の間隔は1〜365日で入力してください。")
        return value


class StageForm(forms.Form):
    stage = forms.ChoiceField(label="段階", choices=Stage.choices)
    note = forms.CharField(label="メモ", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _japanese(self)


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label="終結の理由", choices=ClosureReason.choices)
    follow_up_on = JapaneseDateField(label="終結後の確認日", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _japanese(self)


class ReopenForm(forms.Form):
    note = forms.CharField(label="メモ", max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _japanese(self)


class AssessmentForm(forms.ModelForm[Assessment]):
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
        fields = [
            "assessed_on",
            "outing_level",
            "state_since_year",
            "state_since_month",
            "since_is_approximate",
            "age_at_onset",
            "triggers",
            "strengths",
            "wishes_person",
            "wishes_family",
            "guideline_stage",
            "self_reliance_stage",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _japanese(self)

    def clean_assessed_on(self) -> date | None:
        return _not_future_day(self.cleaned_data.get("assessed_on"))

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
        value: int | None = self.cleaned_data.get("age_at_onset")
        if value is not None and value > 130:
            raise forms.ValidationError("始まった年齢は0〜130歳の範囲で入力してください。")
        return value

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


class PlanForm(forms.ModelForm[SupportPlan]):
    work_readiness_started_on = JapaneseDateField(label="就労準備支援の開始日", required=False)
    review_on = JapaneseDateField(label="見直し日")
    approved_on = JapaneseDateField(label="承認日", required=False)

    class Meta:
        model = SupportPlan
        fields = [
            "long_term_goal",
            "short_term_goals",
            "services",
            "uses_work_readiness",
            "work_readiness_started_on",
            "work_readiness_extension_reason",
            "review_on",
            "approved_on",
            "approval_meeting",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The goals are checked by validate_plan, with its messages.
        self.fields["long_term_goal"].required = False
        self.fields["short_term_goals"].required = False
        _japanese(self)

    def clean_approved_on(self) -> date | None:
        return _not_future_day(self.cleaned_data.get("approved_on"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            validate_plan(cleaned)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class PlanActionForm(forms.Form):
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
        _limit_choices(self, "responsible_worker_id", workers)
        _limit_choices(self, "responsible_agency_id", agencies)
        _japanese(self)


class ActivityForm(forms.ModelForm[Activity]):
    occurred_at = forms.DateTimeField(label="日時")
    next_action_on = JapaneseDateField(label="次の予定日", required=False)
    participant_ids = forms.ModelMultipleChoiceField(
        label="参加した職員", queryset=User.objects.none(), required=False
    )

    class Meta:
        model = Activity
        fields = [
            "occurred_at",
            "kind",
            "visit_outcome",
            "met_person",
            "other_participants",
            "content",
            "next_action",
            "next_action_on",
        ]

    def __init__(self, *args: Any, case: Case, workers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        _limit_choices(self, "participant_ids", workers)
        _japanese(self)

    def clean_occurred_at(self) -> datetime:
        value: datetime = self.cleaned_data["occurred_at"]
        try:
            validate_activity_time(self.case, value)
        except ValidationError as error:
            raise forms.ValidationError(error.message_dict["occurred_at"]) from None
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("visit_outcome") and cleaned.get("kind") != Activity.Kind.HOME_VISIT:
            self.add_error("visit_outcome", "訪問の結果は、種類が「訪問」のときに入力します。")
        return cleaned


class ReferralForm(forms.ModelForm[Referral]):
    agency_id = forms.ModelChoiceField(label="つなぎ先", queryset=Agency.objects.none())
    follow_up_on = JapaneseDateField(label="つながったかを確認する日")

    class Meta:
        model = Referral
        fields = ["purpose", "follow_up_on", "accompanied"]

    def __init__(self, *args: Any, agencies: QuerySet[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _limit_choices(self, "agency_id", agencies)
        _japanese(self)


class ReferralStateForm(forms.Form):
    state = forms.ChoiceField(label="状態", choices=Referral.State.choices)
    note = forms.CharField(label="メモ", max_length=300, required=False)
    follow_up_on = JapaneseDateField(label="確認する日", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _japanese(self)


class AgencyForm(forms.ModelForm[Agency]):
    class Meta:
        model = Agency
        fields = ["name", "category", "address", "phone", "hours", "area", "note"]

    def __init__(self, *args: Any, local_government: LocalGovernment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.local_government = local_government
        _japanese(self)

    def clean_name(self) -> str:
        name = str(self.cleaned_data["name"]).strip()
        if Agency.objects.filter(local_government=self.local_government, name=name).exists():
            raise forms.ValidationError(
                f"「{name}」はすでに{self.local_government.name}の地域資源に登録されています。"
            )
        return name


def _cleaned(form: forms.BaseForm, fields: list[str]) -> dict[str, Any]:
    """The cleaned values of the model fields; an empty date or time is left to the default."""
    return {
        field: form.cleaned_data[field]
        for field in fields
        if not (
            field in ("received_at", "opened_on", "assessed_on")
            and form.cleaned_data[field] is None
        )
    }


# ---------------------------------------------------------------------------------------------
# Consultations


@router.get(
    "/consultations",
    response={200: list[ConsultationOut], 403: ErrorOut, 422: FormErrors},
    summary="1日の相談受付の一覧（所属機関）",
)
def consultations_list(
    request: HttpRequest, day: QueryEx[str, P(alias="date")] = ""
) -> Status[Any]:
    """`?date=2026-04-01`（和暦も可）。省略すると今日。新しい順。"""
    user = _user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    try:
        on = parse_date_input(day[:30]) if day.strip() else timezone.localdate()
    except ValidationError as error:
        return _unprocessable({"date": list(error.messages)})
    consultations = list_for_user(
        user,
        Consultation.objects.filter(received_at__date=on)
        .select_related("person", "consulter_agency", "taken_by")
        .prefetch_related("person__team"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=CONSULTATION_FIELDS,
    )
    return Status(200, [consultation_out(c, user) for c in consultations])


@router.post(
    "/consultations",
    response={201: ConsultationOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="相談受付の記録（対応: 継続支援・つなぐ・情報提供）",
)
def consultations_create(request: HttpRequest, payload: ConsultationIn) -> Status[Any]:
    """対象の人は `person_id` か `new_person`（新しく登録）で示します。`disposition` は必須です。

    - `continue`（自機関で継続支援）: その人の進行中のケースに記録し、なければケースを開きます。
    - `refer`（関係機関へつなぐ）: `agency_id` と `referral_follow_up_on` が必須です。
    - `information`（情報提供・助言のみ）: 相談だけを記録します。

    どこかで失敗すると何も保存しません。
    """
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    form = ConsultationForm(
        payload.dict(exclude={"person_id", "new_person", "household_id"}),
        agencies=_directory(user),
    )
    errors = _form_errors(form) if not form.is_valid() else {}
    person: Person | None = None
    new_person: dict[str, Any] | None = None
    if payload.person_id is not None and payload.new_person is not None:
        errors["person_id"] = [
            "登録済みの人（person_id）か新しい人（new_person）のどちらか一方を送ってください。"
        ]
    elif payload.new_person is not None:
        person_data = PersonIn(**payload.new_person.dict()).dict(exclude={"confirmed_new"})
        person_form = PersonForm(person_data)
        if person_form.is_valid():
            new_person = {f: person_form.cleaned_data[f] for f in PersonForm.Meta.fields}
        else:
            errors.update(_form_errors(person_form, prefix="new_person"))
    elif payload.person_id is None:
        errors["person_id"] = ["相談の対象となる人を選ぶか、新しく登録してください。"]
    if errors:
        return _unprocessable(errors)
    if payload.person_id is not None:
        person = get_for_user(
            user,
            Person.objects.prefetch_related("team"),
            payload.person_id,
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=IDENTITY_FIELDS,
        )
        if person.merged_into_id is not None:
            return _unprocessable(
                {
                    "person_id": [
                        f"統合済みの記録です。統合先の記録（#{person.merged_into_id}）を選んでください。"
                    ]
                }
            )
    household_id = None
    if payload.household_id is not None:
        household_id = get_for_user(
            user,
            Household.objects.all(),
            payload.household_id,
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=("label",),
        ).pk
    data = _cleaned(form, ConsultationForm.Meta.fields)
    data["consulter_agency"] = form.cleaned_data["consulter_agency_id"]
    agency: Agency | None = form.cleaned_data["agency_id"]
    try:
        consultation = consultation_record(
            organisation_id=organisation_id,
            data=data,
            person=person,
            new_person=new_person,
            household_id=household_id,
            agency_id=agency.pk if agency else None,
            referral_purpose=form.cleaned_data["referral_purpose"],
            referral_follow_up_on=form.cleaned_data["referral_follow_up_on"],
            by=user,
            request=request,
        )
    except ValidationError as error:
        return _unprocessable(_service_errors(error, {"agency": "agency_id"}))
    return Status(201, consultation_out(consultation, user))


@router.get(
    "/consultations/{consultation_id}",
    response={200: ConsultationOut, 403: ErrorOut, 404: ErrorOut},
    summary="相談受付1件",
)
def consultations_read(request: HttpRequest, consultation_id: int) -> ConsultationOut:
    user = _user(request)
    consultation = get_for_user(
        user,
        Consultation.objects.select_related(
            "person", "consulter_agency", "taken_by"
        ).prefetch_related("person__team"),
        consultation_id,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=CONSULTATION_FIELDS,
    )
    return consultation_out(consultation, user)


# ---------------------------------------------------------------------------------------------
# Cases


def _case_for(
    user: User, case_id: int, right: Right, request: HttpRequest, fields: tuple[str, ...]
) -> Case:
    return get_for_user(user, _cases(), case_id, right=right, request=request, fields=fields)


@router.get(
    "/cases", response={200: list[CaseOut], 403: ErrorOut}, summary="ケースの一覧（進行中が先）"
)
def cases_list(request: HttpRequest) -> list[CaseOut]:
    user = _user(request)
    closed_last = Switch(
        When(stage=Stage.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    cases = list_for_user(
        user,
        _cases().annotate(closed_last=closed_last).order_by("closed_last", "-opened_on", "-id"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=CASE_FIELDS,
    )
    return [case_out(case, user) for case in cases]


@router.post(
    "/cases",
    response={201: CaseOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースを開く",
)
def cases_create(request: HttpRequest, payload: CaseIn) -> Status[Any]:
    """本人（`person_id`）か世帯（`household_id`）のどちらかが必要です。主担当は省略すると自分。"""
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    form = CaseForm(payload.dict(exclude={"person_id", "household_id"}), workers=_workers(user))
    errors = _form_errors(form) if not form.is_valid() else {}
    if payload.person_id is None and payload.household_id is None:
        errors["person_id"] = ["本人か世帯のどちらかを選んでください。"]
    if errors:
        return _unprocessable(errors)
    person = None
    if payload.person_id is not None:
        person = get_for_user(
            user,
            Person.objects.current().prefetch_related("team"),
            payload.person_id,
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=IDENTITY_FIELDS,
        )
    household = None
    if payload.household_id is not None:
        household = get_for_user(
            user,
            Household.objects.all(),
            payload.household_id,
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=("label",),
        )
    try:
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
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(201, case_out(_cases().get(pk=case.pk), user))


@router.get(
    "/cases/{case_id}",
    response={200: CaseDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="ケース1件（最新のアセスメント・プラン、直近の支援経過、つなぎ）",
)
def cases_read(request: HttpRequest, case_id: int) -> CaseDetailOut:
    """アセスメントの要配慮個人情報（`medical_flags`・`medical_history`）は担当チームだけに示し、
    ほかの職員には null と `sensitive_hidden: true` を返します。示したときは監査ログに残します。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.VIEW_PERSONAL_DATA, request, CASE_DETAIL_FIELDS)
    sensitive = can_see_sensitive(user, case)
    assessment = _assessments(case, sensitive=sensitive).first()
    if sensitive and assessment is not None:
        _audit_sensitive_read(user, [assessment], request)
    plan = _plans(case).first()
    activities = _activities(case)
    referrals = _referrals().filter(case=case).order_by("-referred_on", "-id")
    return CaseDetailOut(
        **_case_fields(case, user),
        stage_changes=[
            _stage_change_out(change) for change in case.stage_changes.select_related("by")
        ],
        latest_assessment=assessment_out(assessment, sensitive=sensitive) if assessment else None,
        latest_plan=plan_out(plan) if plan else None,
        activity_count=activities.count(),
        activities=[activity_out(a) for a in activities[:DETAIL_ACTIVITIES]],
        referrals=[referral_out(referral, user) for referral in referrals],
    )


@router.post(
    "/cases/{case_id}/stage",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="ケースの段階を変える（version 必須）",
)
def cases_set_stage(request: HttpRequest, case_id: int, payload: StageIn) -> Status[Any]:
    """終結は `/close`、再開は `/reopen` で行います。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, ("stage",))
    form = StageForm(payload.dict(exclude={"version"}))
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    if payload.version is None:
        return _missing_version()
    try:
        updated = case_set_stage(
            case=case,
            stage=form.cleaned_data["stage"],
            version=payload.version,
            note=form.cleaned_data["note"],
            by=user,
            request=request,
        )
    except StaleVersionError as error:
        return _stale(error)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(200, case_out(_cases().get(pk=updated.pk), user))


@router.post(
    "/cases/{case_id}/close",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="ケースを終結する（理由・確認日・version）",
)
def cases_close(request: HttpRequest, case_id: int, payload: CloseIn) -> Status[Any]:
    """結果の決まっていないつなぎ（打診中・受入）があるうちは 422 で、終結しません。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, ("stage", "referrals"))
    form = CloseForm(payload.dict(exclude={"version"}))
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    if payload.version is None:
        return _missing_version()
    try:
        closed = case_close(
            case=case,
            reason=form.cleaned_data["reason"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            version=payload.version,
            by=user,
            request=request,
        )
    except StaleVersionError as error:
        return _stale(error)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(200, case_out(_cases().get(pk=closed.pk), user))


@router.post(
    "/cases/{case_id}/reopen",
    response={200: CaseOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="終結したケースを再開する（version 必須）",
)
def cases_reopen(request: HttpRequest, case_id: int, payload: ReopenIn) -> Status[Any]:
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, ("stage",))
    form = ReopenForm(payload.dict(exclude={"version"}))
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    if payload.version is None:
        return _missing_version()
    try:
        reopened = case_reopen(
            case=case,
            version=payload.version,
            note=form.cleaned_data["note"],
            by=user,
            request=request,
        )
    except StaleVersionError as error:
        return _stale(error)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(200, case_out(_cases().get(pk=reopened.pk), user))


# Assessments


@router.get(
    "/cases/{case_id}/assessments",
    response={200: list[AssessmentOut], 403: ErrorOut, 404: ErrorOut},
    summary="ケースのアセスメント（全版、新しい順）",
)
def assessments_list(request: HttpRequest, case_id: int) -> list[AssessmentOut]:
    """要配慮個人情報は担当チームだけに示します（ほかは null と `sensitive_hidden: true`）。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.VIEW_PERSONAL_DATA, request, ASSESSMENT_FIELDS)
    sensitive = can_see_sensitive(user, case)
    assessments = list(_assessments(case, sensitive=sensitive))
    if sensitive:
        _audit_sensitive_read(user, assessments, request)
    return [assessment_out(a, sensitive=sensitive) for a in assessments]


@router.post(
    "/cases/{case_id}/assessments",
    response={201: AssessmentOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="アセスメントの新しい版を記録する",
)
def assessments_create(request: HttpRequest, case_id: int, payload: AssessmentIn) -> Status[Any]:
    """前の版は変わりません。要配慮個人情報（医療・服薬）は担当チームの職員だけが記録できます。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, ASSESSMENT_FIELDS)
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
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    data = _cleaned(form, [*AssessmentForm.Meta.fields, "life_domains"])
    data["medical_flags"] = form.cleaned_data["medical_flags"]
    data["medical_history"] = form.cleaned_data["medical_history"]
    try:
        assessment = assessment_add(case=case, data=data, by=user, request=request)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    saved = Assessment.objects.select_related("created_by").get(pk=assessment.pk)
    return Status(201, assessment_out(saved, sensitive=sensitive))


# Plans


@router.get(
    "/cases/{case_id}/plans",
    response={200: list[PlanOut], 403: ErrorOut, 404: ErrorOut},
    summary="ケースの支援プラン（全版、新しい順）",
)
def plans_list(request: HttpRequest, case_id: int) -> list[PlanOut]:
    user = _user(request)
    case = _case_for(user, case_id, Right.VIEW_PERSONAL_DATA, request, PLAN_FIELDS)
    return [plan_out(plan) for plan in _plans(case)]


@router.post(
    "/cases/{case_id}/plans",
    response={201: PlanOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="支援プランの次の版を保存する（based_on 必須）",
)
def plans_create(request: HttpRequest, case_id: int, payload: PlanIn) -> Status[Any]:
    """`based_on` は編集のもとにした版の番号（最初のプランは 0）。その後にほかの人が保存して
    いれば 409 で、保存しません。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, PLAN_FIELDS)
    form = PlanForm(payload.dict(exclude={"based_on", "actions"}))
    errors = _form_errors(form) if not form.is_valid() else {}
    workers, agencies = _workers(user), _directory(user)
    actions: list[dict[str, Any]] = []
    for index, action in enumerate(payload.actions):
        action_form = PlanActionForm(action.dict(), workers=workers, agencies=agencies)
        if action_form.is_valid():
            actions.append(
                {
                    "description": action_form.cleaned_data["description"],
                    "responsible_worker": action_form.cleaned_data["responsible_worker_id"],
                    "responsible_agency": action_form.cleaned_data["responsible_agency_id"],
                }
            )
        else:
            errors.update(_form_errors(action_form, prefix=f"actions.{index}"))
    if payload.based_on is None:
        errors["based_on"] = ["編集のもとにしたプランの版（最初のプランは 0）を送ってください。"]
    if errors:
        return _unprocessable(errors)
    try:
        plan = plan_save(
            case=case,
            data=_cleaned(form, PlanForm.Meta.fields),
            actions=actions,
            based_on=payload.based_on or 0,
            by=user,
            request=request,
        )
    except StaleVersionError as error:
        return _stale(error)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(201, plan_out(_plans(case).get(pk=plan.pk)))


# Activities


@router.get(
    "/cases/{case_id}/activities",
    response={200: ActivityPage, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースの支援経過（新しい順、offset・limit でページ送り）",
)
def activities_list(
    request: HttpRequest, case_id: int, offset: int = 0, limit: int = 20
) -> Status[Any]:
    """`limit` は1〜100（既定 20）。"""
    user = _user(request)
    errors: dict[str, list[str]] = {}
    if offset < 0:
        errors["offset"] = ["offset は0以上で指定してください。"]
    if not 1 <= limit <= ACTIVITY_PAGE_MAX:
        errors["limit"] = [f"limit は1〜{ACTIVITY_PAGE_MAX}で指定してください。"]
    case = _case_for(user, case_id, Right.VIEW_PERSONAL_DATA, request, ACTIVITY_FIELDS)
    if errors:
        return _unprocessable(errors)
    activities = _activities(case)
    return Status(
        200,
        ActivityPage(
            count=activities.count(),
            offset=offset,
            limit=limit,
            items=[activity_out(a) for a in activities[offset : offset + limit]],
        ),
    )


@router.post(
    "/cases/{case_id}/activities",
    response={201: ActivityOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="支援経過を記録する",
)
def activities_create(request: HttpRequest, case_id: int, payload: ActivityIn) -> Status[Any]:
    """未来の日時と、ケースの開始日より前の日時は 422 です。参加した職員を省略すると自分。"""
    user = _user(request)
    case = _case_for(user, case_id, Right.EDIT_PERSONAL_DATA, request, ACTIVITY_FIELDS)
    form = ActivityForm(payload.dict(), case=case, workers=_workers(user))
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    try:
        activity = activity_add(
            case=case,
            data=_cleaned(form, ActivityForm.Meta.fields),
            participants=list(form.cleaned_data["participant_ids"]) or None,
            by=user,
            request=request,
        )
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(201, activity_out(_activities(case).get(pk=activity.pk)))


# ---------------------------------------------------------------------------------------------
# Referrals


@router.get(
    "/referrals",
    response={200: list[ReferralOut], 403: ErrorOut},
    summary="つなぎの一覧（所属機関、確認日の順）",
)
def referrals_list(request: HttpRequest, open: bool = False) -> list[ReferralOut]:
    """`?open=true` で結果の決まっていないもの（打診中・受入）だけ。"""
    user = _user(request)
    queryset = _referrals()
    if open:
        queryset = queryset.filter(state__in=Referral.OPEN_STATES)
    referrals = list_for_user(
        user, queryset, right=Right.VIEW_PERSONAL_DATA, request=request, fields=REFERRAL_FIELDS
    )
    return [referral_out(referral, user) for referral in referrals]


@router.post(
    "/referrals",
    response={201: ReferralOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="関係機関へつなぐ",
)
def referrals_create(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    """`case_id` を付けるとケースのつなぎになります（`person_id` を省略するとケースの本人）。"""
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    organisation_id = own_organisation_id(user)
    form = ReferralForm(payload.dict(exclude={"case_id", "person_id"}), agencies=_directory(user))
    errors = _form_errors(form) if not form.is_valid() else {}
    if payload.person_id is None and payload.case_id is None:
        errors["person_id"] = ["つなぐ人を選んでください。"]
    if errors:
        return _unprocessable(errors)
    case = None
    if payload.case_id is not None:
        case = _case_for(user, payload.case_id, Right.EDIT_PERSONAL_DATA, request, ("referrals",))
    person = case.person if case is not None and payload.person_id is None else None
    if payload.person_id is not None:
        person = get_for_user(
            user,
            Person.objects.current(),
            payload.person_id,
            right=Right.EDIT_PERSONAL_DATA,
            request=request,
            fields=IDENTITY_FIELDS,
        )
        if case is not None and not _belongs_to_case(person, case):
            return _unprocessable({"person_id": ["このケースの本人・世帯員ではありません。"]})
    if person is None:
        return _unprocessable(
            {"person_id": ["つなぐ人を選んでください（ケースに本人がいません）。"]}
        )
    referral = referral_create(
        organisation_id=organisation_id,
        person_id=person.pk,
        agency_id=form.cleaned_data["agency_id"].pk,
        purpose=form.cleaned_data["purpose"],
        follow_up_on=form.cleaned_data["follow_up_on"],
        accompanied=form.cleaned_data["accompanied"],
        case=case,
        by=user,
        request=request,
    )
    return Status(201, referral_out(_referrals().get(pk=referral.pk), user, events=True))


def _belongs_to_case(person: Person, case: Case) -> bool:
    if case.person_id == person.pk:
        return True
    return case.household is not None and case.household.members.filter(pk=person.pk).exists()


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 403: ErrorOut, 404: ErrorOut},
    summary="つなぎ1件と経過",
)
def referrals_read(request: HttpRequest, referral_id: int) -> ReferralOut:
    user = _user(request)
    referral = get_for_user(
        user,
        _referrals(),
        referral_id,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=(*REFERRAL_FIELDS, "events"),
    )
    return referral_out(referral, user, events=True)


@router.post(
    "/referrals/{referral_id}/state",
    response={200: ReferralOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="つなぎの状態を変える（version 必須）",
)
def referrals_set_state(
    request: HttpRequest, referral_id: int, payload: ReferralStateIn
) -> Status[Any]:
    """打診中 → 受入 → 初回面談済（つながった） → 終了。不成立には理由（`note`）が必要です。"""
    user = _user(request)
    referral = get_for_user(
        user,
        _referrals(),
        referral_id,
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=("state",),
    )
    form = ReferralStateForm(payload.dict(exclude={"version"}))
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    if payload.version is None:
        return _missing_version()
    try:
        updated = referral_set_state(
            referral=referral,
            state=form.cleaned_data["state"],
            version=payload.version,
            note=form.cleaned_data["note"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            by=user,
            request=request,
        )
    except StaleVersionError as error:
        return _stale(error)
    except ValidationError as error:
        return _unprocessable(_service_errors(error))
    return Status(200, referral_out(_referrals().get(pk=updated.pk), user, events=True))


# ---------------------------------------------------------------------------------------------
# Agencies (地域資源): not personal data


@router.get(
    "/agencies",
    response=list[AgencyOut],
    summary="地域資源（関係機関）の一覧：自分の市区町村と都道府県",
)
def agencies_list(request: HttpRequest, q: str = "") -> list[AgencyOut]:
    """`?q=` で機関名・対象地域・所在地を探します。"""
    user = _user(request)
    agencies = _directory(user)
    query = q.strip()[:100]
    if query:
        agencies = agencies.filter(
            Q(name__icontains=query) | Q(area__icontains=query) | Q(address__icontains=query)
        )
    return [agency_out(agency) for agency in agencies]


@router.post(
    "/agencies",
    response={201: AgencyOut, 403: ErrorOut, 422: FormErrors},
    summary="地域資源（関係機関）の登録",
)
def agencies_create(request: HttpRequest, payload: AgencyIn) -> Status[Any]:
    """自分の市区町村に登録します。`prefecture_wide: true` で都道府県の地域資源に。"""
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    own_organisation_id(user)
    government = user.organisation.local_government  # type: ignore[union-attr]
    if payload.prefecture_wide and government.prefecture is not None:
        government = government.prefecture
    form = AgencyForm(payload.dict(exclude={"prefecture_wide"}), local_government=government)
    if not form.is_valid():
        return _unprocessable(_form_errors(form))
    agency = form.save(commit=False)
    agency.local_government = government
    agency.save()
    audit_record(
        action=AuditEvent.Action.CREATE,
        actor=user,
        request=request,
        obj=agency,
        fields=[field for field in AgencyForm.Meta.fields if form.cleaned_data.get(field)],
    )
    return Status(201, agency_out(agency))
