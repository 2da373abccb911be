"""The confirm step of withdrawing a consent (tsunagu.confirm): what the page says will happen."""

from typing import Any

from django.urls import reverse

from collaboration.consent.forms import organisation_label
from collaboration.consent.services import validate_withdrawal
from collaboration.models import Consent
from tsunagu.confirm import Confirmation
from tsunagu.templatetags.japanese_dates import wareki


def withdrawal_confirmation(consent: Consent, data: dict[str, Any]) -> Confirmation:
    """Refused (ValidationError) as the withdrawal itself would be, before anything changes."""
    validate_withdrawal(consent, data["note"])
    organisations = "、".join(organisation_label(org) for org in consent.organisations.all())
    return Confirmation(
        heading=f"同意 #{consent.pk} を撤回します",
        details=[
            ("同意した日", wareki(consent.given_on)),
            ("有効期間", f"{wareki(consent.expires_on)}まで"),
            ("共有先", organisations or "—"),
            ("撤回の記録", data["note"]),
        ],
        consequences=[
            "撤回はすぐに効力を持ち、この同意による他機関との共有は今から止まります。",
            "撤回は取り消せません。改めて共有するときは、新しい同意を記録します。",
        ],
        button="撤回する",
        back_url=reverse("consent_detail", args=[consent.pk]),
    )
