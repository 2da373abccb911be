"""Printable A4 PDFs of a case: the case summary (ケース概要), one version of the support plan
(with the signature lines of the person and the worker) and one version of the assessment sheet.

Access is the case page's (`load_case`, audited as a read of the printed fields); the
assessment's 要配慮個人情報 are printed only for who sees them on the page (`can_see_sensitive`),
and that view is audited with the field names as on the page. Each download is an export of
personal data: it asks for a recent proof of identity, like the consent form, and is audited.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from accounts.access import request_user
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.services import audit_pdf_export
from cases.access import SUMMARY_FIELDS, can_see_sensitive, case_context, load_case
from cases.forms import domain_rows, medical_flag_labels
from cases.models import Assessment, Case
from cases.plan_views import PLAN_FIELDS, latest_plan, plans_with_actions
from cases.views import SENSITIVE_NOTE, audit_sensitive_read
from tsunagu.pdf import pdf_attachment, render_pdf

# The summary is one or two pages: the latest entries of the log, the rest stays on the page.
SUMMARY_ACTIVITIES = 15
SUMMARY_PRINT_FIELDS = (
    *SUMMARY_FIELDS,
    "stage_changes",
    "closure_reason",
    "last_contact_on",
    "first_met_on",
    "plan",
    "activities",
    "referrals",
)
ASSESSMENT_PRINT_FIELDS = (*SUMMARY_FIELDS, "assessment")


def _printed(request: HttpRequest, case: Case) -> dict[str, Any]:
    """What every printed sheet of a case shows: its heading, who printed it and when."""
    user = request_user(request)
    return case_context(user, case) | {
        "organisation": case.organisation,
        "printed_on": timezone.localdate(),
        "printed_by": user,
    }


@require_recent_authentication
def case_summary_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """ケース概要: who, stage and its history, the current plan's goals, referrals, latest log."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=SUMMARY_PRINT_FIELDS)
    activities = list(
        case.activities.select_related("recorded_by").order_by("-occurred_at", "-id")[
            :SUMMARY_ACTIVITIES
        ]
    )
    context = _printed(request, case) | {
        "stage_changes": case.stage_changes.select_related("by"),
        "plan": latest_plan(case),
        "referrals": case.referrals.select_related("agency").order_by("-referred_on", "-id"),
        "activities": activities,
        "activity_count": case.activities.count(),
        "summary_activities": SUMMARY_ACTIVITIES,
    }
    pdf = render_pdf("cases/print/case_summary.html", context)
    audit_pdf_export(user, request, case, document="case_summary")
    return pdf_attachment(pdf, f"case-summary-{case.pk}.pdf")


@require_recent_authentication
def plan_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One version of the support plan, with the person's and the worker's signature lines."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=PLAN_FIELDS)
    plan = plans_with_actions(case).filter(number=number).first()
    if plan is None:
        raise Http404("該当するプランがありません。")
    pdf = render_pdf("cases/print/support_plan.html", _printed(request, case) | {"plan": plan})
    audit_pdf_export(user, request, plan, document="support_plan")
    return pdf_attachment(pdf, f"support-plan-{case.pk}-{plan.number}.pdf")


@require_recent_authentication
def assessment_pdf(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One version of the assessment sheet; 要配慮個人情報 for the case team only."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=ASSESSMENT_PRINT_FIELDS)
    show_sensitive = can_see_sensitive(user, case)
    assessments = case.assessments.select_related("created_by").filter(number=number)
    if not show_sensitive:
        # Not printed for this user: not even decrypted.
        assessments = assessments.defer(*Assessment.SENSITIVE_FIELDS)
    assessment = assessments.first()
    if assessment is None:
        raise Http404("該当するアセスメントがありません。")
    context = _printed(request, case) | {
        "assessment": assessment,
        "show_sensitive": show_sensitive,
        "sensitive_note": SENSITIVE_NOTE,
        "domains": domain_rows(assessment),
        "medical_flags": medical_flag_labels(assessment.medical_flags) if show_sensitive else [],
    }
    pdf = render_pdf("cases/print/assessment_sheet.html", context)
    if show_sensitive:
        audit_sensitive_read(request, assessment)
    audit_pdf_export(user, request, assessment, document="assessment_sheet")
    return pdf_attachment(pdf, f"assessment-{case.pk}-{assessment.number}.pdf")
