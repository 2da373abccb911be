"""Case pages: my cases, the case page, stage changes, closure and reopening, the watch list."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models import Case as CaseWhen
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import get_for_user, request_user, visible_to
from accounts.models import User
from accounts.roles import Right
from audit.models import AuditEvent
from audit.services import audit_record
from cases.access import SUMMARY_FIELDS, can_see_sensitive, case_queryset, load_case
from cases.confirm_views import close_confirmation
from cases.forms import (
    CaseHouseholdForm,
    CloseForm,
    ReopenForm,
    StageForm,
    domain_rows,
    medical_flag_labels,
)
from cases.list_forms import CASE_SORTS, DEFAULT_CASE_SORT, CaseFilterForm
from cases.models import Activity, Assessment, Case, PlanAction, Stage
from cases.services import (
    OpenCaseExists,
    case_close,
    case_open,
    case_reopen,
    case_set_household,
    case_set_stage,
)
from collaboration.consent.services import consents_for_case
from collaboration.consent.status import NO_PERSON, consent_status
from collaboration.meetings.services import meetings_for_case
from collaboration.watch import SECTION_LIMIT as WATCH_SECTION_LIMIT
from collaboration.watch import build_watch_list
from consultations.models import Consultation
from handover.forms import CaseLeadBulkForm
from handover.views import lead_candidates_of
from participation.readiness import near_their_limit_watched
from people.access import hidden_person_ids
from people.models import Household
from tsunagu.confirm import confirm_page, is_confirmed
from tsunagu.forms import VersionForm, show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

ACTIVITIES_PER_PAGE = 50
# The case page's 「相談の記録」 shows the newest consultations of the case, with the count of all.
CONSULTATIONS_SHOWN = 10
DETAIL_FIELDS = (
    *SUMMARY_FIELDS,
    "stage_changes",
    "assessment",
    "plan",
    "activities",
    "referrals",
    "consultations",
)
LIST_FIELDS = ("title", "person", "household", "stage", "lead_worker", "last_contact_on")
SENSITIVE_NOTE = "（要配慮個人情報：担当チームのみ）"
# The header's badge when the case holds 要配慮個人情報 (the newest assessment's health fields
# filled in: Assessment.SENSITIVE_FIELDS).
SENSITIVE_BADGE = "要配慮個人情報あり"


def case_list(request: HttpRequest) -> HttpResponse:
    """Cases one page at a time, sorted and filtered in SQL (cases.list_forms)."""
    user = request_user(request)
    today = timezone.localdate()
    filters = CaseFilterForm(request.GET, user=user, today=today)
    queryset = case_queryset().annotate(
        closed_last=CaseWhen(
            When(stage=Stage.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
    )
    listing = ListPage.read(
        request,
        filters.apply(queryset, user),
        right=Right.VIEW_PERSONAL_DATA,
        sorts=CASE_SORTS,
        default_sort=DEFAULT_CASE_SORT,
        leading=("closed_last",),
        fields=LIST_FIELDS,
    )
    cases = listing.records
    # Selected cases change lead together (handover.views.case_lead_bulk), for who may write.
    can_change_lead = user.has_right(Right.EDIT_PERSONAL_DATA)
    lead_form = (
        CaseLeadBulkForm(candidates=lead_candidates_of(user), case_ids=[])
        if can_change_lead
        else None
    )
    return render(
        request,
        "cases/case_list.html",
        {
            "cases": cases,
            "listing": listing,
            "filters": filters,
            "whole_organisation": filters.whole_organisation,
            "hidden_ids": hidden_person_ids(user, [case.person for case in cases]),
            "today": today,
            "lead_form": lead_form,
        },
    )


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=DETAIL_FIELDS)
    return render_case_detail(request, case)


def render_case_detail(request: HttpRequest, case: Case, **forms: Any) -> HttpResponse:
    """The case page; a refused form (closure, stage) is shown again with its message."""
    user = request_user(request)
    show_sensitive = can_see_sensitive(user, case)
    assessments = case.assessments.select_related("created_by").order_by("-number")
    if not show_sensitive:
        # Not shown to this user: not even decrypted; whether it is filled in is read from the
        # stored columns (a blank value is stored as "").
        assessments = assessments.defer(*Assessment.SENSITIVE_FIELDS).annotate(
            sensitive_filled=sensitive_filled()
        )
    assessment = assessments.first()
    if assessment is not None and show_sensitive:
        audit_sensitive_read(request, assessment)
    plan = (
        case.plans.select_related("created_by")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=PlanAction.objects.select_related(
                    "responsible_worker", "responsible_agency"
                ),
            )
        )
        .order_by("-number")
        .first()
    )
    activities = Paginator(
        case.activities.select_related("recorded_by").prefetch_related("participants"),
        ACTIVITIES_PER_PAGE,
    ).get_page(request.GET.get("page"))
    referrals = list(
        case.referrals.select_related("agency", "person", "referred_by")
        .prefetch_related("person__team")
        .order_by("-referred_on", "-id")
    )
    consultations = case_consultations(user, case)
    case_consents = consents_for_case(case)
    initial: dict[str, Any] = {"version": case.version, "stage": case.stage}
    members = (
        list(
            case.household.memberships.filter(left_on__isnull=True)
            .select_related("person")
            .prefetch_related("person__team")
        )
        if case.household
        else []
    )
    shown_persons = [case.person, *(r.person for r in referrals), *(m.person for m in members)]
    context = {
        "case": case,
        "members": members,
        "hidden_ids": hidden_person_ids(user, shown_persons),
        "stage_changes": case.stage_changes.select_related("by"),
        "team_changes": case.team_changes.select_related("member", "previous_lead", "by"),
        "assessment": assessment,
        "assessment_versions": case.assessments.order_by("-number").values_list(
            "number", "assessed_on"
        ),
        "show_sensitive": show_sensitive,
        "sensitive_note": SENSITIVE_NOTE,
        "sensitive_badge": SENSITIVE_BADGE if holds_sensitive(assessment) else "",
        "domains": domain_rows(assessment) if assessment else [],
        "medical_flags": medical_flag_labels(assessment.medical_flags)
        if assessment and show_sensitive
        else [],
        "plan": plan,
        "plan_versions": case.plans.order_by("-number").values_list("number", "created_at"),
        "activities": activities,
        "referrals": referrals,
        "consultations": consultations,
        "consultations_total": getattr(consultations[0], "total", 0) if consultations else 0,
        "case_consents": case_consents,
        "consent_status": consent_status(row.state for row in case_consents)
        if case.person_id
        else NO_PERSON,
        "latest_activity": latest_activity(case, activities),
        "case_meetings": meetings_for_case(case, user),
        "case_advice": case.advice_requests.prefetch_related("answers__specialist").order_by(
            "-requested_at"
        ),
        "today": timezone.localdate(),
        "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
        "stage_form": forms.get("stage_form") or StageForm(initial=initial),
        "close_form": forms.get("close_form") or CloseForm(initial=initial),
        "reopen_form": forms.get("reopen_form") or ReopenForm(initial=initial),
        "open_case": forms.get("open_case"),
        "household_form": forms.get("household_form")
        or CaseHouseholdForm(
            initial={**initial, "household": case.household_id},
            households=households_for_case(user, case),
        ),
    }
    return render(request, "cases/case_detail.html", context)


def sensitive_filled() -> ExpressionWrapper[Q]:
    """True when any 要配慮個人情報 field of the assessment is filled in, asked of the columns."""
    filled = Q()
    for name in Assessment.SENSITIVE_FIELDS:
        filled |= ~Q(**{name: ""})
    return ExpressionWrapper(filled, output_field=BooleanField())


def holds_sensitive(assessment: Assessment | None) -> bool:
    """Whether the newest assessment holds 要配慮個人情報 (the header's badge): from the values
    when they were read for the page, else from the `sensitive_filled` annotation."""
    if assessment is None:
        return False
    if assessment.get_deferred_fields() & set(Assessment.SENSITIVE_FIELDS):
        return bool(getattr(assessment, "sensitive_filled", False))
    return any(
        value.strip() if isinstance(value, str) else bool(value)
        for value in (getattr(assessment, name) for name in Assessment.SENSITIVE_FIELDS)
    )


def latest_activity(case: Case, activities: Page[Activity]) -> Activity | None:
    """The newest activity, for the header's 次にすること: the first row of the log's first page
    (already loaded), or one query when the log is on a later page."""
    if activities.number == 1:
        return activities[0] if activities else None
    return case.activities.first()


def case_consultations(user: User, case: Case) -> list[Consultation]:
    """What the callers said: the newest consultations of the case (those that led to it and
    every later one), each with the count of all as `total` (a window, so one query)."""
    consultations = visible_to(user, case.consultations.all()).annotate(total=Window(Count("pk")))
    return list(consultations.order_by("-received_at", "-id")[:CONSULTATIONS_SHOWN])


def audit_sensitive_read(request: HttpRequest, assessment: Assessment) -> None:
    """Every view of 要配慮個人情報 is in the audit log, with the field names."""
    audit_record(
        action=AuditEvent.Action.READ,
        actor=request_user(request),
        request=request,
        obj=assessment,
        fields=Assessment.SENSITIVE_FIELDS,
        detail={"sensitive": True, "case": assessment.case_id},
    )


def _case_change(
    request: HttpRequest,
    pk: int,
    form_class: type[VersionForm],
    form_key: str,
    change: Callable[[Case, dict[str, Any], User], object],
    success: str,
) -> HttpResponse:
    """A POSTed change of a case: on refusal the case page shows the form again with the reason."""
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA)
    form = form_class(request.POST)
    shown: dict[str, Any] = {}
    if form.is_valid():
        try:
            change(case, form.cleaned_data, request_user(request))
        except (ValidationError, StaleVersionError) as error:
            form = _refused(form, request, case, error)
            if isinstance(error, OpenCaseExists):
                # Reopening refused: the page links to the case that is open.
                shown["open_case"] = error.open_case
        else:
            messages.success(request, success)
            return redirect("case_detail", pk=case.pk)
    return render_case_detail(request, case, **{form_key: form}, **shown)


@require_POST
def case_stage(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        StageForm,
        "stage_form",
        lambda case, data, user: case_set_stage(
            case=case,
            stage=data["stage"],
            version=data["version"],
            note=data["note"],
            by=user,
            request=request,
        ),
        "段階を変更しました。",
    )


@require_POST
def case_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The first POST shows what closing will do and changes nothing; the confirmed one closes."""
    if not is_confirmed(request):
        case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA)
        form = CloseForm(request.POST)
        if form.is_valid():
            try:
                return confirm_page(
                    request, close_confirmation(request_user(request), case, form.cleaned_data)
                )
            except ValidationError as error:
                form = _refused(form, request, case, error)
        return render_case_detail(request, case, close_form=form)
    return _case_change(
        request,
        pk,
        CloseForm,
        "close_form",
        lambda case, data, user: case_close(
            case=case,
            reason=data["reason"],
            follow_up_on=data["follow_up_on"],
            version=data["version"],
            by=user,
            note=data["note"],
            request=request,
        ),
        "ケースを終結しました。記録はすべて残っています。",
    )


@require_POST
def case_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _case_change(
        request,
        pk,
        ReopenForm,
        "reopen_form",
        lambda case, data, user: case_reopen(
            case=case, version=data["version"], note=data["note"], by=user, request=request
        ),
        "ケースを再開しました。これまでの経過はそのまま残っています。",
    )


def households_for_case(user: User, case: Case) -> QuerySet[Household]:
    """The households the case may support: those of its person, and the one it has now."""
    condition = Q(pk=case.household_id) if case.household_id else Q(pk__in=[])
    if case.person_id:
        condition |= Q(memberships__person_id=case.person_id)
    return visible_to(user, Household.objects.filter(condition)).distinct().order_by("label")


@require_POST
def case_household(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA)
    form = CaseHouseholdForm(request.POST, households=households_for_case(user, case))
    if form.is_valid():
        household = form.cleaned_data["household"]
        try:
            case_set_household(
                case=case,
                household_id=household.pk if household else None,
                version=form.cleaned_data["version"],
                by=user,
                request=request,
            )
        except (ValidationError, StaleVersionError) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.success(request, "ケースの世帯を設定しました。")
            return redirect("case_detail", pk=case.pk)
    return render_case_detail(request, case, household_form=form)


@require_POST
def household_case_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a case for a household as a whole, e.g. before anyone has been met."""
    user = request_user(request)
    household = get_for_user(
        user, Household.objects.all(), pk, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    try:
        case = case_open(
            organisation_id=household.organisation_id,
            title=f"{household}の支援",
            lead_worker=user,
            household_id=household.pk,
            by=user,
            request=request,
        )
    except OpenCaseExists as refusal:
        # A double click, or a colleague was first: the household's open case is the one to go on
        # with, and the household page lists it with its link.
        messages.info(request, refusal.messages[0])
        return redirect("household_detail", pk=household.pk)
    messages.success(request, f"{household}のケースを開きました。")
    return redirect("case_detail", pk=case.pk)


def _refused[F: VersionForm](
    form: F, request: HttpRequest, case: Case, error: ValidationError | StaleVersionError
) -> F:
    """The worker's input again with the refusal (at its field when it names one); the form now
    carries the case's current version."""
    data = request.POST.copy()
    data["version"] = str(Case.objects.values_list("version", flat=True).get(pk=case.pk))
    rebound = type(form)(data)
    rebound.is_valid()
    if isinstance(error, ValidationError):
        show_refusal(rebound, error)
    else:
        rebound.add_error(None, str(error))
    return rebound


def watch_list(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    whole_organisation = request.GET.get("scope") == "organisation"
    # 就労準備支援事業 enrolments near their one-year limit (participation, above the watch
    # list's app; the home page reads the same rule), named in the watch list's audit row.
    readiness = near_their_limit_watched(
        user,
        whole_organisation=whole_organisation,
        today=timezone.localdate(),
        limit=WATCH_SECTION_LIMIT,
    )
    watch = build_watch_list(
        user,
        whole_organisation=whole_organisation,
        request=request,
        also_shown={
            "participation.workreadinessenrolment": [enrolment.pk for enrolment in readiness.shown]
        },
    )
    return render(
        request,
        "cases/watch_list.html",
        {
            "watch": watch,
            "readiness": readiness,
            "whole_organisation": whole_organisation,
            "hidden_ids": watch.hidden_person_ids | readiness.hidden_person_ids,
        },
    )
