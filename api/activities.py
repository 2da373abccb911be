"""A case's activity log (支援経過) in the JSON API: paged reading, and recording one."""

from datetime import date, datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    FormErrors,
    StaffRef,
    auth_user,
    require_valid,
    service_refusals,
    staff_ref,
)
from api.paging import PageIn, PageOut, paging
from api.schemas import ErrorOut
from cases.access import load_case
from cases.activity_views import participant_choices
from cases.forms import ActivityForm
from cases.models import Activity, Case
from cases.services import activity_add

router = Router(tags=TAGS)

ACTIVITY_FIELDS = ("activities",)


class ActivityIn(Schema):
    occurred_at: str = ""
    kind: str = ""
    visit_outcome: str = ""
    met_person: bool = False
    participant_ids: list[int] = []
    other_participants: str = ""
    content: str = ""
    next_action: str = ""
    next_action_on: str = ""


class ActivityOut(Schema):
    id: int
    occurred_at: datetime
    kind: str
    kind_label: str
    visit_outcome: str
    visit_outcome_label: str
    met_person: bool
    is_contact: bool
    participants: list[StaffRef]
    other_participants: str
    content: str
    next_action: str
    next_action_on: date | None
    is_out_of_hours: bool
    recorded_by: StaffRef


class ActivityPage(PageOut):
    items: list[ActivityOut]


def activities(case: Case) -> QuerySet[Activity]:
    return case.activities.select_related("recorded_by").prefetch_related("participants")


def activity_out(activity: Activity) -> ActivityOut:
    return ActivityOut(
        id=activity.pk,
        occurred_at=activity.occurred_at,
        kind=activity.kind,
        kind_label=activity.get_kind_display(),
        visit_outcome=activity.visit_outcome,
        visit_outcome_label=(
            activity.get_visit_outcome_display() if activity.visit_outcome else ""
        ),
        met_person=activity.met_person,
        is_contact=activity.is_contact,
        participants=[staff_ref(member) for member in activity.participants.all()],
        other_participants=activity.other_participants,
        content=activity.content,
        next_action=activity.next_action,
        next_action_on=activity.next_action_on,
        is_out_of_hours=activity.is_out_of_hours,
        recorded_by=staff_ref(activity.recorded_by),
    )


@router.get(
    "/cases/{case_id}/activities",
    response={200: ActivityPage, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースの支援経過（新しい順、ページ送り）",
)
def activities_list(request: HttpRequest, case_id: int, page: Query[PageIn]) -> ActivityPage:
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=ACTIVITY_FIELDS)
    paged = paging(page)
    logged, count = paged.rows(activities(case).order_by("-occurred_at", "-id"))
    return ActivityPage(**paged.envelope(count, [activity_out(a) for a in logged]))


@router.post(
    "/cases/{case_id}/activities",
    response={201: ActivityOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="支援経過を記録する",
)
def activities_create(request: HttpRequest, case_id: int, payload: ActivityIn) -> Status[Any]:
    """未来の日時と、ケースの開始日より前の日時は 422 です。訪問（`home_visit`）には結果
    （`visit_outcome`）が必要です。参加した職員を省略すると自分。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=ACTIVITY_FIELDS)
    # The page's form: its participants are the body's `participant_ids`.
    data = payload.dict(exclude={"participant_ids"}) | {"participants": payload.participant_ids}
    form = ActivityForm(data, participant_choices=participant_choices(case))
    require_valid(form, names={"participants": "participant_ids"})
    participants = list(User.objects.filter(pk__in=form.cleaned_data["participants"]))
    with service_refusals():
        activity = activity_add(
            case=case,
            data=form.activity_data(),
            participants=participants or None,
            by=user,
            request=request,
        )
    return Status(201, activity_out(activities(case).get(pk=activity.pk)))
