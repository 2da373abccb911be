"""Who sees and records a placement (参加) and a 就労準備支援 enrolment: the case's access.

Both are part of their case (`ACCESS_ORGANISATION_FIELD = "case__organisation"`): the workers of
the case's organisation read them with the right to personal data and record them with the right
to edit it; another organisation's answers 404, a role without the right 403, each read audited
(`accounts.access.get_for_user`). A provider running 就労準備支援 for several municipalities
(広域実施) does not widen this: each municipality's window sees its own residents only.
"""

from typing import Any

from django.http import HttpRequest

from accounts.access import get_for_user, request_user
from accounts.roles import Right
from participation.models import Placement, WorkReadinessEnrolment

READ_RIGHT = Right.VIEW_PERSONAL_DATA
WRITE_RIGHT = Right.EDIT_PERSONAL_DATA

PLACEMENT_FIELDS = ("case", "offer", "stage", "proposed_on", "started_on", "ended_on")
ENROLMENT_FIELDS = ("case", "provider", "started_on", "ends_on", "extended_until", "ended_on")


def load_placement(request: HttpRequest, pk: Any, *, write: bool = False) -> Placement:
    placements = Placement.objects.select_related(
        "case__person", "offer__host__owner", "accompanying_dispatch__supporter", "created_by"
    )
    return get_for_user(
        request_user(request),
        placements,
        pk,
        right=WRITE_RIGHT if write else READ_RIGHT,
        request=request,
        fields=PLACEMENT_FIELDS,
    )


def load_enrolment(request: HttpRequest, pk: Any, *, write: bool = False) -> WorkReadinessEnrolment:
    enrolments = WorkReadinessEnrolment.objects.select_related(
        "case__person", "provider", "extension_approved_by", "created_by"
    )
    return get_for_user(
        request_user(request),
        enrolments,
        pk,
        right=WRITE_RIGHT if write else READ_RIGHT,
        request=request,
        fields=ENROLMENT_FIELDS,
    )
