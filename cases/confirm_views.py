"""The confirm step of closing a case (tsunagu.confirm): what the page says will happen."""

from typing import Any

from django.urls import reverse

from accounts.models import User
from cases.models import Case, ClosureReason
from cases.services import validate_closure
from people.access import hidden_person_ids
from tsunagu.confirm import Confirmation
from tsunagu.templatetags.japanese_dates import wareki


def close_confirmation(user: User, case: Case, data: dict[str, Any]) -> Confirmation:
    """Refused (ValidationError) as the closure itself would be, before anything changes."""
    validate_closure(case, data["follow_up_on"])
    follow_up_on = data["follow_up_on"]
    hidden = case.person_id in hidden_person_ids(user, [case.person])
    return Confirmation(
        heading="ケースを終結します",
        details=[
            ("ケース", f"ケース #{case.pk}（制限対象者）" if hidden else case.title),
            ("終結の理由", str(ClosureReason(data["reason"]).label)),
            ("理由の詳しい内容・メモ", data["note"]),
            ("終結後の確認日", wareki(follow_up_on) if follow_up_on else "設定しない"),
        ],
        consequences=[
            "段階が「終結」になり、連絡の目安と見守りの一覧から外れます。",
            *(
                [f"{wareki(follow_up_on)}に、終結後の様子を確認する予定が残ります。"]
                if follow_up_on
                else []
            ),
            "支援経過・アセスメント・プランなどの記録はすべて残ります。",
            "あとから「再開する」で、同じケースを再開できます。",
        ],
        button="終結する",
        back_url=reverse("case_detail", args=[case.pk]) + "#close",
    )
