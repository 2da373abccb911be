"""Consent pages (同意): record from a case, detail, withdrawal, the printable consent form; and
the person's disclosure record (開示記録), on the page and as a PDF.

All of them are pages of the organisation that holds the case or person: another organisation's
record answers 404 (`get_for_user`), a missing right 403.
"""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import get_for_user, request_user
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.services import audit_pdf_export
from cases.access import SUMMARY_FIELDS, case_context, load_case
from collaboration.consent.confirm_views import withdrawal_confirmation
from collaboration.consent.forms import ConsentForm, WithdrawForm, organisation_label
from collaboration.consent.services import (
    CONSENT_FIELDS,
    NO_PERSON,
    consent_form_candidates,
    consent_record,
    consent_withdraw,
    default_expiry,
    organisation_choices,
)
from collaboration.models import AgencyCategory, Consent, InfoKind
from collaboration.sharing.disclosures import disclosure_record
from people.access import hidden_person_ids, require_identity
from people.models import Person
from tsunagu.confirm import confirm_page, is_confirmed
from tsunagu.forms import show_refusal
from tsunagu.pdf import pdf_attachment, render_pdf

DEFAULT_PURPOSE = "ひきこもり等の相談について、関係機関が連携して支援を行うため"
DISCLOSURE_FIELDS = ("disclosure_record",)


def consent_new(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    case = load_case(request, pk, right=Right.EDIT_PERSONAL_DATA, fields=SUMMARY_FIELDS)
    if case.person_id is None:
        messages.error(request, NO_PERSON)
        return redirect("case_detail", pk=case.pk)
    choices = [(org.pk, organisation_label(org)) for org in organisation_choices(case)]
    if request.method == "POST":
        form = ConsentForm(request.POST, organisation_choices=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                consent = consent_record(
                    case=case,
                    given_by=data["given_by"],
                    guardian_name=data["guardian_name"],
                    method=data["method"],
                    purpose=data["purpose"],
                    organisation_ids=data["organisations"],
                    agency_categories=data["agency_categories"],
                    info_kinds=data["info_kinds"],
                    allows_multiagency_meeting=data["allows_multiagency_meeting"],
                    given_on=data["given_on"],
                    expires_on=data["expires_on"],
                    by=user,
                    request=request,
                )
            except ValidationError as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"同意 #{consent.pk} を記録しました。")
                return redirect("consent_detail", pk=consent.pk)
    else:
        form = ConsentForm(initial=ConsentForm.initial_values(), organisation_choices=choices)
    return render(
        request,
        "collaboration/consents/consent_form.html",
        case_context(user, case) | {"form": form, "has_organisations": bool(choices)},
    )


def _load_consent(request: HttpRequest, pk: int, right: Right) -> Consent:
    return get_for_user(
        request_user(request),
        Consent.objects.select_related(
            "person", "case", "organisation", "recorded_by", "withdrawn_by"
        ).prefetch_related("organisations__local_government", "person__team"),
        pk,
        right=right,
        request=request,
        fields=CONSENT_FIELDS,
    )


def consent_detail(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _load_consent(request, pk, Right.VIEW_PERSONAL_DATA)
    return _render_detail(request, consent, WithdrawForm())


def _render_detail(
    request: HttpRequest, consent: Consent, withdraw_form: WithdrawForm
) -> HttpResponse:
    user = request_user(request)
    return render(
        request,
        "collaboration/consents/consent_detail.html",
        {
            "consent": consent,
            "state": consent.state_label(),
            "is_valid": consent.is_valid(),
            "organisations": [organisation_label(org) for org in consent.organisations.all()],
            "agency_categories": _category_labels(consent.agency_categories),
            "withdraw_form": withdraw_form,
            "can_edit": user.has_right(Right.EDIT_PERSONAL_DATA),
            "hidden_ids": hidden_person_ids(user, [consent.person]),
        },
    )


def _category_labels(categories: list[str]) -> list[str]:
    return [AgencyCategory(c).label for c in categories if c in AgencyCategory.values]


@require_POST
def consent_withdraw_view(request: HttpRequest, pk: int) -> HttpResponse:
    consent = _load_consent(request, pk, Right.EDIT_PERSONAL_DATA)
    form = WithdrawForm(request.POST)
    if form.is_valid() and not is_confirmed(request):
        # The first POST shows what withdrawing does and changes nothing.
        try:
            return confirm_page(request, withdrawal_confirmation(consent, form.cleaned_data))
        except ValidationError as error:
            show_refusal(form, error)
    elif form.is_valid():
        try:
            consent_withdraw(
                consent=consent,
                note=form.cleaned_data["note"],
                by=request_user(request),
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(
                request,
                f"同意 #{consent.pk} を撤回しました。この同意による共有は今から止まります。",
            )
            return redirect("consent_detail", pk=consent.pk)
    consent.refresh_from_db()
    return _render_detail(request, consent, form)


@require_recent_authentication
def consent_form_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The consent form (同意書) for the person to sign, with the case's candidate 共有先."""
    user = request_user(request)
    case = load_case(request, pk, right=Right.VIEW_PERSONAL_DATA, fields=("person", "team"))
    person = case.person
    if person is None:
        messages.error(request, NO_PERSON)
        return redirect("case_detail", pk=case.pk)
    require_identity(user, person, request=request)
    today = timezone.localdate()
    context = {
        "person": person,
        "organisation": case.organisation,
        "purpose": DEFAULT_PURPOSE,
        "candidates": consent_form_candidates(case),
        "info_kinds": InfoKind.labels,
        "today": today,
        "expires_on": default_expiry(today),
        "explainer": user,
    }
    pdf = render_pdf("pdf/consent_form.html", context)
    audit_pdf_export(user, request, case, document="consent_form")
    return pdf_attachment(pdf, f"consent-form-case-{case.pk}.pdf")


def _load_person(request: HttpRequest, pk: int) -> Person:
    return get_for_user(
        request_user(request),
        Person.objects.prefetch_related("team"),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DISCLOSURE_FIELDS,
    )


def disclosure_record_page(request: HttpRequest, pk: int) -> HttpResponse:
    person = _load_person(request, pk)
    user = request_user(request)
    return render(
        request,
        "collaboration/consents/disclosure_record.html",
        _disclosure_context(person) | {"hidden_ids": hidden_person_ids(user, [person])},
    )


@require_recent_authentication
def disclosure_record_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """For the person's own request to know who saw their data: printed with their name."""
    user = request_user(request)
    person = _load_person(request, pk)
    require_identity(user, person, request=request)
    context = _disclosure_context(person) | {
        "organisation": user.organisation,
        "printed_on": timezone.localdate(),
        "printed_by": user,
    }
    pdf = render_pdf("pdf/disclosure_record.html", context)
    audit_pdf_export(user, request, person, document="disclosure_record")
    return pdf_attachment(pdf, f"disclosure-record-person-{person.pk}.pdf")


def _disclosure_context(person: Person) -> dict[str, Any]:
    return {"person": person, "disclosures": disclosure_record(person)}
