"""The consent status in a record page's summary header (components/record_header.html).

One phrase from the states of the consents a page has already loaded (newest first, as
`Consent.state_label` words them), so the header costs no query of its own.
"""

from collections.abc import Iterable
from dataclasses import dataclass

VALID = "有効"


@dataclass(frozen=True)
class ConsentStatus:
    label: str
    ok: bool


NO_PERSON = ConsentStatus("本人が未登録", ok=False)
VALID_CONSENT = ConsentStatus("有効な同意あり", ok=True)
NONE_RECORDED = ConsentStatus("記録なし", ok=False)


def consent_status(states: Iterable[str]) -> ConsentStatus:
    """有効な同意あり when any consent is valid today; else the newest consent's state
    (期限切れ, 撤回済み, 開始前); else 記録なし."""
    states = list(states)
    if VALID in states:
        return VALID_CONSENT
    if states:
        return ConsentStatus(states[0], ok=False)
    return NONE_RECORDED
