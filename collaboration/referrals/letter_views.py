"""The referral letter (紹介状): an A4 PDF the sender gives the person or sends the agency.

It says who is referred and why, what the person consented to share (their consents in force),
who refers them and how to reach that office, and where they are referred to. Access is the
sender's page of the referral (audited as a read of the printed fields); a restricted person's
letter only for the person's team. Each download is an export of personal data: it asks for a
recent proof of identity, like the other printed sheets, and is audited.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.access import get_for_user, request_user
from accounts.reauth import require_recent_authentication
from accounts.roles import Right
from audit.services import audit_pdf_export
from collaboration.models import Agency, Consent, InfoKind, Referral
from collaboration.sharing.access import valid_consents
from people.access import require_identity
from tsunagu.pdf import pdf_attachment, render_pdf

LETTER_FIELDS = ("person", "agency", "purpose", "referred_on", "referred_by", "consents")


@dataclass(frozen=True)
class ConsentLine:
    """One consent in force, as the letter prints it."""

    consent: Consent
    info_kinds: list[str]
    covers_agency: bool


def consent_lines(person_id: int, agency: Agency) -> list[ConsentLine]:
    """The person's consents in force, each with whether it names the receiving agency (its
    organisation, or its kind of agency)."""
    return [
        ConsentLine(consent, consent.info_kind_labels(), covers(consent, agency))
        for consent in valid_consents(person_id)
    ]


def covers(consent: Consent, agency: Agency) -> bool:
    if agency.category in consent.agency_categories:
        return True
    return agency.organisation is not None and consent.covers_organisation(agency.organisation)


def consented_kinds(lines: list[ConsentLine]) -> list[str]:
    """The kinds of information the consents naming the agency cover, in their usual order."""
    labels = {label for line in lines if line.covers_agency for label in line.info_kinds}
    return [label for label in InfoKind.labels if label in labels]


@require_recent_authentication
def referral_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    referral = get_for_user(
        user,
        Referral.objects.select_related(
            "agency__organisation", "organisation", "person", "referred_by"
        ).prefetch_related(Prefetch("person__team")),
        pk,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=LETTER_FIELDS,
    )
    require_identity(user, referral.person, request=request)
    lines = consent_lines(referral.person_id, referral.agency)
    context = {
        "referral": referral,
        "person": referral.person,
        "agency": referral.agency,
        "office": referral.organisation,
        "consents": lines,
        "consented_kinds": consented_kinds(lines),
        "printed_on": timezone.localdate(),
    }
    pdf = render_pdf("pdf/referral_letter.html", context)
    audit_pdf_export(user, request, referral, document="referral_letter")
    return pdf_attachment(pdf, f"referral-letter-{referral.pk}.pdf")
