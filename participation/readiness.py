"""就労準備支援事業: a person's enrolment, its one-year limit and the exception that extends it.

The limit is one year from the start (`one_year_from`). The 省令 allows a longer use for a
person who needs it, such as a person in hikikomori: the extension is recorded with that reason
and the worker who approved it, and refused without them. Past its limit, an enrolment that was
not extended takes no attendance and no change to continue it.

Jointly run by several municipalities (広域実施), one provider serves the residents of each
contracting municipality; an enrolment belongs to the case, so each municipality's window sees
only its own residents' enrolments (the case's access, `ACCESS_ORGANISATION_FIELD`).
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import Organisation, User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from cases.models import Activity, Case, Stage
from cases.services import activity_add
from collaboration.watch import open_cases
from participation.models import ReadinessComponent, WorkReadinessEnrolment, prefecture_id_of
from people.access import hidden_person_ids
from tsunagu.dates import wareki
from tsunagu.versioning import versioned_edit

# An enrolment is warned of this long (two months) before its limit, on the home page and the
# watch list, so that the extension's reason is recorded, or the use ends, in time.
LIMIT_NOTICE = timedelta(days=60)
STALE_ENROLMENT = "ほかの人が先にこの利用の記録を更新しました。最新の内容を確認してください。"
CASE_CLOSED = "終結したケースには就労準備支援事業の利用を登録できません。"
ALREADY_ENROLLED = "このケースには終了していない就労準備支援事業の利用があります。"
PROVIDER_NOT_AVAILABLE = "実施機関は一覧にある県内の機関から選んでください。"
COMPONENT_UNKNOWN = "支援の内容は一覧から選んでください。"
START_IN_FUTURE = "利用開始日が先すぎます。開始日は今日から1か月以内にしてください。"
PAST_LIMIT = (
    "利用期限（{limit}）を過ぎています。続けるには、例外に当たる事情と承認した職員を"
    "記録して期限を延長してください。"
)
ENDED = "この利用はすでに終了しています（{ended}）。"
EXTENSION_WITHOUT_REASON = (
    "延長するには、例外に当たる事情（ひきこもりの状態にあり、1年を超える支援が必要な事情など）"
    "を記録してください。"
)
EXTENSION_WITHOUT_APPROVER = "延長を承認した職員を選んでください。"
APPROVER_NOT_AVAILABLE = "承認した職員は、このケースの機関の職員から選んでください。"
EXTENSION_NOT_LATER = "延長後の期限は、いまの期限（{limit}）より後の日にしてください。"
ATTENDANCE_BEFORE_START = "利用開始日（{start}）より前の日付です。"
ATTENDANCE_IN_FUTURE = "未来の日付の参加は記録できません。"
END_BEFORE_START = "利用終了日は利用開始日より後の日にしてください。"

# How far ahead an enrolment may be registered: the start agreed at the plan's meeting.
START_AHEAD_DAYS = 31


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationError(errors)


def provider_choices(user: User) -> QuerySet[Organisation]:
    """The organisations that may run 就労準備支援事業 for the user's windows: the active ones of
    the user's prefecture (a provider of a joint scheme serves several municipalities)."""
    organisation = user.organisation
    if organisation is None:
        return Organisation.objects.none()
    prefecture_id = prefecture_id_of(organisation)
    scope = Q(pk=organisation.pk)
    if prefecture_id is not None:
        scope |= Q(local_government_id=prefecture_id) | Q(
            local_government__prefecture_id=prefecture_id
        )
    return Organisation.objects.filter(scope, is_active=True).order_by("name", "id")


def approver_choices(case: Case) -> QuerySet[User]:
    """Who may be recorded as approving an extension: active staff of the case's organisation."""
    return User.objects.filter(organisation_id=case.organisation_id, is_active=True).order_by(
        "display_name", "id"
    )


def _check_components(components: list[str]) -> dict[str, str]:
    return {"components": COMPONENT_UNKNOWN} if set(components) - set(ReadinessComponent) else {}


def enrolment_create(
    *, case: Case, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> WorkReadinessEnrolment:
    """Register a case's use of 就労準備支援事業; its limit is one year from the start."""
    provider: Organisation = data["provider"]
    started_on: date = data["started_on"]
    components = list(data.get("components") or [])
    errors = _check_components(components)
    if case.stage == Stage.CLOSED:
        errors["case"] = CASE_CLOSED
    if not provider_choices(by).filter(pk=provider.pk).exists():
        errors["provider"] = PROVIDER_NOT_AVAILABLE
    if (started_on - timezone.localdate()).days > START_AHEAD_DAYS:
        errors["started_on"] = START_IN_FUTURE
    _refuse(errors)
    with transaction.atomic():
        # The case's row lock keeps two workers from opening two enrolments at once.
        Case.objects.select_for_update().get(pk=case.pk)
        if case.work_readiness_enrolments.filter(ended_on__isnull=True).exists():
            raise ValidationError(ALREADY_ENROLLED)
        enrolment = WorkReadinessEnrolment.objects.create(
            case=case,
            provider=provider,
            started_on=started_on,
            components=components,
            created_by=by,
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=enrolment,
            fields=["case", "provider", "started_on", "ends_on", "components"],
        )
    return enrolment


def _check_open(enrolment: WorkReadinessEnrolment, on: date) -> None:
    """Refuse a step that continues the enrolment on the day `on`: ended, or past its limit."""
    if enrolment.ended_on is not None:
        raise ValidationError(ENDED.format(ended=wareki(enrolment.ended_on)))
    if on > enrolment.limit:
        raise ValidationError(PAST_LIMIT.format(limit=wareki(enrolment.limit)))


def enrolment_edit(
    *,
    enrolment: WorkReadinessEnrolment,
    data: dict[str, Any],
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
) -> WorkReadinessEnrolment:
    """Change what the enrolment offers (its components), which continues it: refused past the
    limit unless extended."""
    components = list(data.get("components") or [])
    _refuse(_check_components(components))
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        WorkReadinessEnrolment,
        pk=enrolment.pk,
        version=version,
        stale_message=STALE_ENROLMENT,
        audit=audit,
    ) as edit:
        _check_open(edit.record, timezone.localdate())
        edit.change({"components": components})
    return edit.record


def enrolment_extend(
    *,
    enrolment: WorkReadinessEnrolment,
    extended_until: date,
    reason: str,
    approved_by: User | None,
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
) -> WorkReadinessEnrolment:
    """Extend the limit under the 省令's exception: the reason and who approved it, both kept."""
    errors: dict[str, str] = {}
    if not reason.strip():
        errors["extension_reason"] = EXTENSION_WITHOUT_REASON
    if approved_by is None:
        errors["extension_approved_by"] = EXTENSION_WITHOUT_APPROVER
    elif not approver_choices(enrolment.case).filter(pk=approved_by.pk).exists():
        errors["extension_approved_by"] = APPROVER_NOT_AVAILABLE
    if extended_until <= enrolment.limit:
        errors["extended_until"] = EXTENSION_NOT_LATER.format(limit=wareki(enrolment.limit))
    _refuse(errors)
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        WorkReadinessEnrolment,
        pk=enrolment.pk,
        version=version,
        stale_message=STALE_ENROLMENT,
        audit=audit,
    ) as edit:
        if edit.record.ended_on is not None:
            raise ValidationError(ENDED.format(ended=wareki(edit.record.ended_on)))
        edit.change(
            {
                "extended_until": extended_until,
                "extension_reason": reason.strip(),
                "extension_approved_by": approved_by,
            }
        )
    return edit.record


def enrolment_end(
    *,
    enrolment: WorkReadinessEnrolment,
    ended_on: date,
    version: int | None,
    by: User,
    request: HttpRequest | None = None,
) -> WorkReadinessEnrolment:
    """Record the end of the use (an end past the limit is allowed: the record says so)."""
    if ended_on < enrolment.started_on:
        raise ValidationError({"ended_on": END_BEFORE_START})
    if ended_on > timezone.localdate():
        raise ValidationError({"ended_on": ATTENDANCE_IN_FUTURE})
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        WorkReadinessEnrolment,
        pk=enrolment.pk,
        version=version,
        stale_message=STALE_ENROLMENT,
        audit=audit,
    ) as edit:
        if edit.record.ended_on is not None:
            raise ValidationError(ENDED.format(ended=wareki(edit.record.ended_on)))
        edit.change({"ended_on": ended_on})
    return edit.record


def _attended_at(day: date) -> datetime:
    """The time of an attendance in the activity log: noon of the day, or now when earlier."""
    noon = timezone.make_aware(datetime.combine(day, time(12, 0)))
    return min(noon, timezone.now())


def attendance_record(
    *,
    enrolment: WorkReadinessEnrolment,
    attended_on: date,
    note: str,
    by: User,
    request: HttpRequest | None = None,
) -> Activity:
    """The person attended the programme: an entry of the case's activity log (支援経過), so
    that it is read with the rest of the support. Refused past the limit unless extended."""
    errors: dict[str, str] = {}
    if attended_on > timezone.localdate():
        errors["attended_on"] = ATTENDANCE_IN_FUTURE
    elif attended_on < enrolment.started_on:
        errors["attended_on"] = ATTENDANCE_BEFORE_START.format(start=wareki(enrolment.started_on))
    _refuse(errors)
    _check_open(enrolment, attended_on)
    content = f"就労準備支援事業に参加（{enrolment.provider}）。"
    if note.strip():
        content += f"\n{note.strip()}"
    return activity_add(
        case=enrolment.case,
        data={
            "occurred_at": _attended_at(attended_on),
            "kind": Activity.Kind.OTHER,
            "content": content,
        },
        by=by,
        request=request,
    )


def near_their_limit(cases: QuerySet[Case], today: date) -> QuerySet[WorkReadinessEnrolment]:
    """The enrolments of `cases` not ended whose limit (one year, or the approved extension)
    falls within LIMIT_NOTICE or has passed, the nearest first (the home page and the watch
    list read the same rule)."""
    return (
        WorkReadinessEnrolment.objects.annotate(limit_on=Coalesce("extended_until", "ends_on"))
        .filter(
            case__in=cases.values("pk"),
            ended_on__isnull=True,
            limit_on__lte=today + LIMIT_NOTICE,
        )
        .order_by("limit_on", "id")
    )


@dataclass
class NearTheirLimit:
    """The watch list's section of enrolments near or past their limit: the first rows, the
    count of all, and the restricted persons among them whose names the user may not see."""

    shown: list[WorkReadinessEnrolment]
    total: int
    hidden_person_ids: set[int]


def near_their_limit_watched(
    user: User, *, whole_organisation: bool, today: date, limit: int
) -> NearTheirLimit:
    """The enrolments of the watch list's open cases near their limit, at most `limit`; the
    watch list's audit row names the ones shown (collaboration.watch.build_watch_list)."""
    enrolments = near_their_limit(open_cases(user, whole_organisation=whole_organisation), today)
    shown = list(enrolments.select_related("case__person", "case__lead_worker")[:limit])
    persons = [enrolment.case.person for enrolment in shown if enrolment.case.person]
    prefetch_related_objects(persons, Prefetch("team", queryset=User.objects.only("pk")))
    total = len(shown) if len(shown) < limit else enrolments.count()
    return NearTheirLimit(shown, total, hidden_person_ids(user, persons))
