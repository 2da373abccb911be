"""Specialist advice (専門的助言) from the prefectural centre: requests and answers, audited."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse

from accounts.models import Organisation, OrganisationType, User
from audit.models import AuditEvent
from audit.services import audit_record
from cases.models import Case
from collaboration.models import Advice, AdviceRequest, Consent, InfoKind
from collaboration.sharing.access import valid_consents
from notifications.models import Notification
from notifications.services import notify

NO_IDENTITY_CONSENT = (
    "氏名などを伝える同意がありません。センターに本人の氏名を伝えるには、センターを共有先とし"
    "「基本情報」を含む有効な同意を先に記録してください。匿名の要約のままなら依頼できます。"
)
REQUEST_CLOSED = "この依頼は終了しています。助言は追加できません。"


def centres_for(organisation: Organisation) -> list[Organisation]:
    """The prefectural ひきこもり地域支援センター serving `organisation`'s prefecture."""
    government = organisation.local_government
    prefecture_id = government.prefecture_id or government.pk
    return list(
        Organisation.objects.filter(type=OrganisationType.HIKIKOMORI_CENTRE).filter(
            local_government_id=prefecture_id
        )
    )


def identity_consent(case: Case, centre: Organisation) -> Consent | None:
    """A consent in force that lets the person's identity go to the centre."""
    for consent in valid_consents(case.person_id):
        if InfoKind.BASIC in consent.info_kinds and consent.covers_organisation(centre):
            return consent
    return None


def advice_request_create(
    *,
    case: Case,
    centre: Organisation,
    question: str,
    disciplines: list[str],
    share_identity: bool,
    by: User,
    request: HttpRequest | None = None,
) -> AdviceRequest:
    consent = identity_consent(case, centre) if share_identity else None
    if share_identity and consent is None:
        raise ValidationError({"share_identity": NO_IDENTITY_CONSENT})
    with transaction.atomic():
        advice_request = AdviceRequest.objects.create(
            organisation=case.organisation,
            centre=centre,
            case=case,
            question=question,
            disciplines=disciplines,
            identity_consent=consent,
            requested_by=by,
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=advice_request,
            fields=["case", "centre", "question", "disciplines", "identity_consent"],
        )
    return advice_request


def advice_give(
    *, advice_request: AdviceRequest, data: dict[str, Any], by: User, request: HttpRequest | None
) -> Advice:
    if advice_request.state == AdviceRequest.State.CLOSED:
        raise ValidationError(REQUEST_CLOSED)
    with transaction.atomic():
        advice = Advice.objects.create(
            request=advice_request,
            specialist=by,
            discipline=data["discipline"],
            text=data["text"],
            joint_support=data.get("joint_support", False),
            joint_support_note=data.get("joint_support_note", ""),
        )
        advice_request.state = AdviceRequest.State.ANSWERED
        advice_request.save(update_fields=["state"])
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=advice,
            fields=["discipline", "text", "joint_support", "joint_support_note"],
            detail={"advice_request_id": advice_request.pk},
        )
        # The worker who asked learns of the answer by the numbers, not the case's person.
        notify(
            recipients=[advice_request.requested_by],
            kind=Notification.Kind.ADVICE_ANSWERED,
            message=(
                f"ケース #{advice_request.case_id} の専門的助言の依頼 #{advice_request.pk} に"
                "回答が届きました"
            ),
            url=reverse("advice_detail", args=[advice_request.pk]),
            actor=by,
        )
    return advice


def advice_request_close(
    *, advice_request: AdviceRequest, by: User, request: HttpRequest | None
) -> None:
    with transaction.atomic():
        advice_request.state = AdviceRequest.State.CLOSED
        advice_request.save(update_fields=["state"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=advice_request,
            fields=["state"],
        )
