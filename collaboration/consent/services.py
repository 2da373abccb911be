"""Consent (同意) to share a person's information: recording and withdrawal, each atomic with its
audit row; and what the case page and the printed consent form show.

A consent names where the information may go (organisations, or agency categories of 表C),
which kinds of information (`InfoKind`) and for what purpose. It is valid from the day it was
given to its expiry, unless withdrawn; a withdrawal takes effect at once (`withdrawn_at`), so the
sharing it allowed ends with it (`accounts.access.valid_consents`).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Organisation, User
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Case
from collaboration.models import AgencyCategory, Consent, InfoKind
from tsunagu.dates import wareki

CONSENT_FIELDS = (
    "person",
    "case",
    "given_by",
    "guardian_name",
    "method",
    "purpose",
    "organisations",
    "agency_categories",
    "info_kinds",
    "allows_multiagency_meeting",
    "given_on",
    "expires_on",
)
NO_PERSON = (
    "このケースには本人が登録されていません。"
    "同意は本人ごとに記録します。先に本人を登録してください。"
)
ALREADY_WITHDRAWN = "この同意はすでに撤回されています（{at}）。二度は撤回できません。"
WITHDRAWAL_WITHOUT_NOTE = "撤回の記録（いつ、誰から、どのように申出があったか）を入力してください。"


def default_expiry(given_on: date) -> date:
    """One year: the day before the same date of the next year (29 February → 28 February)."""
    try:
        next_year = given_on.replace(year=given_on.year + 1)
    except ValueError:
        next_year = given_on.replace(year=given_on.year + 1, day=28) + timedelta(days=1)
    return next_year - timedelta(days=1)


def organisation_choices(case: Case) -> QuerySet[Organisation]:
    """The organisations a consent recorded on `case` may name: those of the case organisation's
    municipality and of its prefecture (the prefecture's own offices included), not itself."""
    local_government = case.organisation.local_government
    prefecture_id = local_government.prefecture_id or local_government.pk
    return (
        Organisation.objects.filter(
            Q(local_government=local_government)
            | Q(local_government_id=prefecture_id)
            | Q(local_government__prefecture_id=prefecture_id),
            is_active=True,
        )
        .exclude(pk=case.organisation_id)
        .select_related("local_government")
        .order_by("local_government__code", "name")
    )


def consent_record(
    *,
    case: Case,
    given_by: str,
    guardian_name: str = "",
    method: str,
    purpose: str,
    organisation_ids: list[int],
    agency_categories: list[str],
    info_kinds: list[str],
    allows_multiagency_meeting: bool = False,
    given_on: date,
    expires_on: date,
    by: User,
    request: HttpRequest | None = None,
) -> Consent:
    """Record the consent of the case's person (or guardian). Refused, with nothing saved, when
    it names nowhere to share or nothing to share, or its dates do not hold."""
    if case.person_id is None:
        raise ValidationError(NO_PERSON)
    guardian_name = guardian_name.strip()
    purpose = purpose.strip()
    _refuse_invalid_consent(
        case=case,
        given_by=given_by,
        guardian_name=guardian_name,
        method=method,
        purpose=purpose,
        organisation_ids=organisation_ids,
        agency_categories=agency_categories,
        info_kinds=info_kinds,
        given_on=given_on,
        expires_on=expires_on,
    )
    with transaction.atomic():
        consent = Consent.objects.create(
            organisation_id=case.organisation_id,
            person_id=case.person_id,
            case=case,
            given_by=given_by,
            guardian_name=guardian_name if given_by == Consent.GivenBy.GUARDIAN else "",
            method=method,
            purpose=purpose,
            agency_categories=_in_choice_order(agency_categories, AgencyCategory.values),
            info_kinds=_in_choice_order(info_kinds, InfoKind.values),
            allows_multiagency_meeting=allows_multiagency_meeting,
            given_on=given_on,
            expires_on=expires_on,
            recorded_by=by,
        )
        consent.organisations.set(organisation_ids)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=consent,
            fields=CONSENT_FIELDS,
            detail={
                "case": case.pk,
                "person": case.person_id,
                "organisations": sorted(organisation_ids),
            },
        )
    return consent


def _in_choice_order(values: list[str], order: list[str]) -> list[str]:
    chosen = set(values)
    return [value for value in order if value in chosen]


def _refuse_invalid_consent(
    *,
    case: Case,
    given_by: str,
    guardian_name: str,
    method: str,
    purpose: str,
    organisation_ids: list[int],
    agency_categories: list[str],
    info_kinds: list[str],
    given_on: date,
    expires_on: date,
) -> None:
    errors: dict[str, str] = {}
    if given_by not in Consent.GivenBy.values:
        errors["given_by"] = "同意した人は「本人」か「保護者・成年後見人等」から選んでください。"
    elif given_by == Consent.GivenBy.GUARDIAN and not guardian_name:
        errors["guardian_name"] = (
            "保護者・成年後見人等が同意したときは、その人の氏名を入力してください。"
        )
    if method not in Consent.Method.values:
        errors["method"] = "同意の方法は「署名」か「口頭」から選んでください。"
    if not purpose:
        errors["purpose"] = "利用目的を入力してください。"
    if not organisation_ids and not agency_categories:
        errors["organisations"] = "共有先の機関か、共有先の機関の種別を一つ以上選んでください。"
    allowed = set(organisation_choices(case).values_list("pk", flat=True))
    if any(pk not in allowed for pk in organisation_ids):
        errors["organisations"] = (
            "共有先の機関は、同じ都道府県の機関の一覧にあるものから選んでください。"
        )
    if any(category not in AgencyCategory.values for category in agency_categories):
        errors["agency_categories"] = "共有先の機関の種別は一覧にあるものから選んでください。"
    if not info_kinds:
        errors["info_kinds"] = "共有する情報の種類を一つ以上選んでください。"
    elif any(kind not in InfoKind.values for kind in info_kinds):
        errors["info_kinds"] = "共有する情報の種類は一覧にあるものから選んでください。"
    if given_on > timezone.localdate():
        errors["given_on"] = "同意日に未来の日付は入力できません。同意を得た日を入力してください。"
    if expires_on <= given_on:
        errors["expires_on"] = "有効期限は同意日より後の日付にしてください。"
    if errors:
        raise ValidationError(errors)


def validate_withdrawal(consent: Consent, note: str) -> None:
    """Why `consent` cannot be withdrawn with `note`, if it cannot; the confirm step asks it
    before anything changes, and `consent_withdraw` again on the locked consent."""
    if not note.strip():
        raise ValidationError({"note": WITHDRAWAL_WITHOUT_NOTE})
    if consent.withdrawn_at is not None:
        raise ValidationError(ALREADY_WITHDRAWN.format(at=_local_text(consent.withdrawn_at)))


def consent_withdraw(
    *, consent: Consent, note: str, by: User, request: HttpRequest | None = None
) -> Consent:
    """Withdraw a consent now: the sharing it allowed ends at once. A consent is withdrawn once."""
    note = note.strip()
    with transaction.atomic():
        current = Consent.objects.select_for_update().get(pk=consent.pk)
        validate_withdrawal(current, note)
        current.withdrawn_at = timezone.now()
        current.withdrawn_by = by
        current.withdrawal_note = note
        current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=current,
            fields=["withdrawn_at", "withdrawn_by", "withdrawal_note"],
            detail={"withdrawn": True, "person": current.person_id},
        )
    return current


def _local_text(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{wareki(local.date())} {local:%H:%M}"


@dataclass(frozen=True)
class CaseConsent:
    """A consent as the case page lists it."""

    consent: Consent
    state: str
    sharing_with: list[str]


def consents_for_case(case: Case) -> list[CaseConsent]:
    """The consents of the case's person recorded by the case's organisation, newest first
    (for the case page's partial `collaboration/consents/_case_consents.html`)."""
    if case.person_id is None:
        return []
    consents = (
        Consent.objects.filter(person_id=case.person_id, organisation_id=case.organisation_id)
        .select_related("recorded_by")
        .prefetch_related("organisations")
    )
    today = timezone.localdate()
    return [
        CaseConsent(consent, consent.state_label(today), sharing_labels(consent))
        for consent in consents
    ]


def sharing_labels(consent: Consent) -> list[str]:
    """Where the consent lets the information go: named organisations, then categories."""
    names = [organisation.name for organisation in consent.organisations.all()]
    categories = [
        f"{AgencyCategory(category).label}（種別）"
        for category in consent.agency_categories
        if category in AgencyCategory.values
    ]
    return names + categories


@dataclass(frozen=True)
class ConsentFormCandidates:
    """The 共有先 printed as checkboxes on the consent form."""

    organisations: list[str]
    agencies: list[str]


def consent_form_candidates(case: Case) -> ConsentFormCandidates:
    """The case team's other organisations, and the agencies of the case's referrals."""
    organisations = list(
        Organisation.objects.filter(pk__in=case.team.values("organisation_id"))
        .exclude(pk=case.organisation_id)
        .order_by("name")
        .values_list("name", flat=True)
        .distinct()
    )
    agencies: list[str] = []
    for referral in case.referrals.select_related("agency").order_by("referred_on", "id"):
        label = f"{referral.agency.name}（{referral.agency.get_category_display()}）"
        if referral.agency.name not in organisations and label not in agencies:
            agencies.append(label)
    return ConsentFormCandidates(organisations=organisations, agencies=agencies)
