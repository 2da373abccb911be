"""Writes of the 居場所 area, each atomic with its audit row (ids and field names, never values)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any

import jpholiday
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update
from community.models import (
    Attendance,
    CurriculumUnit,
    Frequency,
    NicknameParticipant,
    Place,
    Reservation,
    Schedule,
    ScheduleException,
    Session,
)
from people.models import Person
from people.names import loose_key
from tsunagu.dates import wareki
from tsunagu.versioning import versioned_edit

HORIZON_YEARS = 2
STALE_PLACE = (
    "ほかの人が先にこの居場所の登録を更新しました。保存されている内容とあなたの入力を確かめてから、"
    "もう一度保存してください。"
)
STALE_SESSION = (
    "ほかの人が先にこの開催回を更新しました。保存されている内容とあなたの入力を確かめてから、"
    "もう一度保存してください。"
)
FREE_PARTICIPATION = "この居場所は自由参加です。予約は受け付けていません。"
RESERVED_ON_CANCELLED = "休みの開催回には予約できません。"
ALREADY_RESERVED = "この方はすでにこの開催回を予約しています。"
NICKNAME_KNOWN = (
    "「{nickname}」と同じ読みのニックネームの方がすでに記録されています。"
    "同じ方ならその方を選び、別の方なら「別の方として新しく記録する」を押してください。"
)
NICKNAME_CANDIDATES_SHOWN = 5
ATTENDED_ON_CANCELLED = "休みの開催回には出席を記録できません。"
# Attendance is what happened; a session ahead is reserved (where the place takes reservations).
ATTENDED_BEFORE_SESSION = (
    "この開催回（{when}）はまだ開かれていません。出席は開催日の当日から記録できます。"
)


def horizon(today: date | None = None) -> date:
    """The last day a schedule may reach: two years ahead (29 Feb falls back to 28 Feb)."""
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + HORIZON_YEARS)
    except ValueError:
        return today.replace(year=today.year + HORIZON_YEARS, day=28)


def session_when(day: date, start: time, end: time) -> str:
    return f"{wareki(day)} {start:%H:%M}〜{end:%H:%M}"


# Places -------------------------------------------------------------------------------------


def place_create(
    *, organisation_id: int, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> Place:
    with transaction.atomic():
        place = Place.objects.create(organisation_id=organisation_id, **data)
        audit_record(
            action=AuditEvent.Action.CREATE, actor=by, request=request, obj=place, fields=data
        )
    return place


def place_update(
    *,
    place: Place,
    data: dict[str, Any],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> list[str]:
    """Change the fields in `data` that differ; a save against a newer version is refused
    (StaleVersionError) and nothing is written. Returns the changed field names."""
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Place, pk=place.pk, version=version, stale_message=STALE_PLACE, audit=audit
    ) as edit:
        edit.change(data)
    return edit.changed


def place_set_archived(
    *, place: Place, archived: bool, by: User, request: HttpRequest | None = None
) -> Place:
    """Archive (or bring back) a place; returns it as saved. Places are never deleted: their
    history stays counted.

    The button carries no form the worker filled, so no version is compared; the version moves
    on, so an edit form opened before is refused rather than bringing the place back to public.
    """
    audit = audit_update(actor=by, request=request)
    with versioned_edit(
        Place, pk=place.pk, version=None, stale_message=STALE_PLACE, audit=audit
    ) as edit:
        edit.change({"archived_at": timezone.now() if archived else None})
        if archived:
            edit.change({"is_public": False})
    return edit.record


def curriculum_add(
    *, place: Place, number: int, title: str, by: User, request: HttpRequest | None = None
) -> CurriculumUnit:
    if place.curriculum.filter(number=number).exists():
        raise ValidationError(f"第{number}回はすでにカリキュラムにあります。")
    with transaction.atomic():
        unit = CurriculumUnit.objects.create(place=place, number=number, title=title)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=unit,
            fields=["number", "title"],
        )
    return unit


# Schedules and sessions -----------------------------------------------------------------------


def occurrence_dates(schedule: Schedule) -> list[date]:
    """The dates the schedule holds a session: its rule, minus 祝日 (if closed on them) and 休み
    exceptions, plus 臨時開催 exceptions.
    """
    exceptions = {e.date: e.kind for e in schedule.exceptions.all()}
    dates = []
    day = schedule.starts_on
    while day <= schedule.ends_on:
        kind = exceptions.get(day)
        if kind == ScheduleException.Kind.EXTRA or (
            kind is None and matches_rule(schedule, day) and not closed_for_holiday(schedule, day)
        ):
            dates.append(day)
        day += timedelta(days=1)
    return dates


def closed_for_holiday(schedule: Schedule, day: date) -> bool:
    return schedule.closed_on_holidays and jpholiday.is_holiday(day)


def matches_rule(schedule: Schedule, day: date) -> bool:
    if schedule.frequency == Frequency.MONTHLY_DAY:
        return day.day == schedule.day_of_month
    if day.weekday() != schedule.weekday:
        return False
    if schedule.frequency == Frequency.WEEKLY:
        return True
    if schedule.frequency == Frequency.BIWEEKLY:
        offset = (day.weekday() - schedule.starts_on.weekday()) % 7
        first = schedule.starts_on + timedelta(days=offset)
        return (day - first).days // 7 % 2 == 0
    return (day.day - 1) // 7 + 1 in schedule.weeks_of_month


@dataclass
class GenerationResult:
    created: list[Session] = field(default_factory=list)
    cancelled: list[Session] = field(default_factory=list)
    overlapping: list[date] = field(default_factory=list)

    def messages(self) -> list[str]:
        lines = [f"開催回を {len(self.created)} 件作成しました。"]
        if self.cancelled:
            lines.append(f"{len(self.cancelled)} 件の開催回を休みにしました。")
        if self.overlapping:
            days = "、".join(wareki(day) for day in self.overlapping)
            lines.append(f"同じ時間帯に別の開催回があるため作成しなかった日: {days}")
        return lines


def schedule_limit_end(starts_on: date, ends_on: date | None) -> tuple[date, str]:
    """The end date to store, and a message when it was limited to two years ahead."""
    limit = horizon()
    if ends_on is None:
        return limit, (
            f"終了日の指定がないため、2年先（{wareki(limit)}）までの開催回を作成しました。"
            "続ける場合は、その前に新しい開催予定を登録してください。"
        )
    if ends_on > limit:
        return limit, (
            f"終了日は2年先（{wareki(limit)}）までに制限しました。"
            "続ける場合は、その前に新しい開催予定を登録してください。"
        )
    if ends_on < starts_on:
        raise ValidationError({"ends_on": "終了日は開始日より後の日付にしてください。"})
    return ends_on, ""


def schedule_create(
    *, place: Place, data: dict[str, Any], by: User, request: HttpRequest | None = None
) -> tuple[Schedule, GenerationResult, str]:
    """Save a recurrence and generate its sessions; returns a note when the end was limited."""
    if place.is_archived:
        raise ValidationError("アーカイブされた居場所には開催予定を追加できません。")
    ends_on, note = schedule_limit_end(data["starts_on"], data.get("ends_on"))
    with transaction.atomic():
        schedule = Schedule.objects.create(place=place, **{**data, "ends_on": ends_on})
        audit_record(
            action=AuditEvent.Action.CREATE, actor=by, request=request, obj=schedule, fields=data
        )
        result = generate_sessions(schedule)
    return schedule, result, note


def schedule_add_exception(
    *,
    schedule: Schedule,
    day: date,
    kind: str,
    note: str,
    by: User,
    request: HttpRequest | None = None,
) -> GenerationResult:
    if not schedule.starts_on <= day <= schedule.ends_on:
        raise ValidationError(
            f"{wareki(day)} はこの開催予定の期間（{wareki(schedule.starts_on)}〜"
            f"{wareki(schedule.ends_on)}）の外です。"
        )
    if schedule.exceptions.filter(date=day).exists():
        raise ValidationError(f"{wareki(day)} にはすでに例外が登録されています。")
    with transaction.atomic():
        exception = ScheduleException.objects.create(
            schedule=schedule, date=day, kind=kind, note=note
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=exception,
            fields=["date", "kind", "note"],
        )
        return generate_sessions(schedule)


def generate_sessions(schedule: Schedule) -> GenerationResult:
    """Create the missing sessions of a schedule and cancel those of 休み dates (idempotent).

    A date that would overlap another session of the place is left out and reported.
    """
    result = GenerationResult()
    _lock_place(schedule.place_id)
    wanted = set(occurrence_dates(schedule))
    existing = {s.date: s for s in schedule.sessions.all()}
    closed = {
        e.date: e.note for e in schedule.exceptions.filter(kind=ScheduleException.Kind.CLOSED)
    }
    for day, session in existing.items():
        if day in closed and not session.is_cancelled and not session.attendances.exists():
            result.cancelled.append(_cancel_for_exception(session, closed[day] or "休み"))
    for day in sorted(wanted - set(existing)):
        if overlapping_session(schedule.place_id, day, schedule.start_time, schedule.end_time):
            result.overlapping.append(day)
            continue
        result.created.append(
            Session.objects.create(
                place_id=schedule.place_id,
                schedule=schedule,
                date=day,
                start_time=schedule.start_time,
                end_time=schedule.end_time,
                programme=schedule.programme,
                title=schedule.title,
            )
        )
    return result


def _cancel_for_exception(session: Session, reason: str) -> Session:
    """A 休み exception cancels the session: its version moves on, so an edit form opened before
    is refused instead of bringing the session back. The exception's own row says who did it."""
    with versioned_edit(
        Session, pk=session.pk, version=None, stale_message=STALE_SESSION, audit=_no_audit
    ) as edit:
        edit.change({"is_cancelled": True, "cancel_reason": reason})
    return edit.record


def _no_audit(record: Model, fields: Sequence[str], detail: Mapping[str, Any]) -> None:
    # The cancellation follows from the schedule exception whose audit row the caller writes.
    return None


def overlapping_session(
    place_id: int, day: date, start: time, end: time, *, exclude_pk: int | None = None
) -> Session | None:
    sessions = Session.objects.filter(
        place_id=place_id,
        date=day,
        is_cancelled=False,
        start_time__lt=end,
        end_time__gt=start,
    )
    if exclude_pk is not None:
        sessions = sessions.exclude(pk=exclude_pk)
    return sessions.first()


def _lock_place(place_id: int) -> None:
    # Serialises session and reservation writes of one place (overlaps, capacity).
    Place.objects.select_for_update().filter(pk=place_id).first()


def _refuse_overlap(
    place_id: int, day: date, start: time, end: time, exclude_pk: int | None = None
) -> None:
    if end <= start:
        raise ValidationError({"end_time": "終了時刻は開始時刻より後にしてください。"})
    other = overlapping_session(place_id, day, start, end, exclude_pk=exclude_pk)
    if other is not None:
        raise ValidationError(
            "この居場所には同じ時間帯に別の開催回があります"
            f"（{session_when(other.date, other.start_time, other.end_time)} {other.label}）。"
            "時間を変えるか、先にその開催回を休みにしてください。"
        )


def session_create(
    *,
    place: Place,
    data: dict[str, Any],
    staff: list[User],
    by: User,
    request: HttpRequest | None = None,
) -> Session:
    """An ad-hoc session (臨時開催, a lecture, a family-class evening)."""
    if place.is_archived:
        raise ValidationError("アーカイブされた居場所には開催回を追加できません。")
    if data["date"] > horizon():
        raise ValidationError({"date": "開催回は2年先までの日付で登録してください。"})
    with transaction.atomic():
        _lock_place(place.pk)
        _refuse_overlap(place.pk, data["date"], data["start_time"], data["end_time"])
        session = Session.objects.create(place=place, **data)
        session.staff.set(staff)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=session,
            fields=[*data, "staff"],
        )
    return session


def session_update(
    *,
    session: Session,
    data: dict[str, Any],
    staff: list[User],
    version: int,
    by: User,
    request: HttpRequest | None = None,
) -> Session:
    """Change a session; a save against a newer version is refused (StaleVersionError)."""
    audit = audit_update(actor=by, request=request)
    with transaction.atomic():
        # The place first, as every session and reservation write of the place locks it first.
        _lock_place(session.place_id)
        with versioned_edit(
            Session, pk=session.pk, version=version, stale_message=STALE_SESSION, audit=audit
        ) as edit:
            if not data.get("is_cancelled"):
                _refuse_overlap(
                    session.place_id,
                    data["date"],
                    data["start_time"],
                    data["end_time"],
                    exclude_pk=session.pk,
                )
            edit.change(data)
            current = edit.record
            if {user.pk for user in staff} != {user.pk for user in current.staff.all()}:
                current.staff.set(staff)
                edit.mark("staff")
    return current


# Attendance -----------------------------------------------------------------------------------


def validate_attendance(session: Session) -> None:
    """Why no attendance can be recorded for `session`, if none can."""
    if session.is_cancelled:
        raise ValidationError(ATTENDED_ON_CANCELLED)
    if session.is_in_the_future:
        when = session_when(session.date, session.start_time, session.end_time)
        raise ValidationError(ATTENDED_BEFORE_SESSION.format(when=when))


def _attendance_create(
    *, session: Session, by: User, request: HttpRequest | None, **values: Any
) -> Attendance:
    validate_attendance(session)
    with transaction.atomic():
        attendance = Attendance.objects.create(session=session, recorded_by=by, **values)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=attendance,
            fields=["kind", *values],
        )
    return attendance


def attend_registered(
    *, session: Session, person: Person, by: User, request: HttpRequest | None = None
) -> Attendance:
    if session.attendances.filter(person=person).exists():
        raise ValidationError("この方はすでにこの開催回の出席に記録されています。")
    return _attendance_create(
        session=session, by=by, request=request, kind=Attendance.Kind.REGISTERED, person=person
    )


def attend_nickname(
    *,
    session: Session,
    nickname: NicknameParticipant,
    by: User,
    request: HttpRequest | None = None,
) -> Attendance:
    if session.attendances.filter(nickname=nickname).exists():
        raise ValidationError(
            f"「{nickname.nickname}」さんはすでにこの開催回の出席に記録されています。"
        )
    return _attendance_create(
        session=session, by=by, request=request, kind=Attendance.Kind.NICKNAME, nickname=nickname
    )


def attend_new_nickname(
    *,
    session: Session,
    data: dict[str, Any],
    by: User,
    request: HttpRequest | None = None,
    confirmed_new: bool = False,
) -> Attendance:
    """A first visit under a nickname: the participant and the attendance, both or neither (a
    refused attendance leaves no participant behind). A nickname that reads as a known
    participant's is refused (NicknameKnown) unless `confirmed_new`."""
    validate_attendance(session)
    with transaction.atomic():
        nickname = nickname_create(
            organisation_id=session.place.organisation_id,
            data=data,
            by=by,
            request=request,
            confirmed_new=confirmed_new,
        )
        return attend_nickname(session=session, nickname=nickname, by=by, request=request)


def attend_anonymous(
    *,
    session: Session,
    head_count: int,
    first_time_count: int,
    by: User,
    request: HttpRequest | None = None,
) -> Attendance:
    if head_count < 1:
        raise ValidationError("人数は1人以上で入力してください。")
    if not 0 <= first_time_count <= head_count:
        raise ValidationError("「うち初めて」の人数は、人数以下で入力してください。")
    return _attendance_create(
        session=session,
        by=by,
        request=request,
        kind=Attendance.Kind.ANONYMOUS,
        head_count=head_count,
        first_time_count=first_time_count,
    )


def attendance_remove(
    *, attendance: Attendance, by: User, request: HttpRequest | None = None
) -> None:
    with transaction.atomic():
        audit_record(
            action=AuditEvent.Action.DELETE,
            actor=by,
            request=request,
            obj=attendance,
            detail={"session": attendance.session_id, "kind": attendance.kind},
        )
        attendance.delete()


class NicknameKnown(ValidationError):
    """A new nickname participant refused: participants of the organisation whose nickname reads
    the same (`candidates`) may be the same visitor. The page offers them first."""

    def __init__(self, message: str, *, candidates: list[NicknameParticipant]) -> None:
        super().__init__(message)
        self.candidates = candidates


def nickname_candidates(organisation_id: int, nickname: str) -> list[NicknameParticipant]:
    """The organisation's participants whose nickname has the same loose key (ソラ = そら,
    ﾐｶﾝ = ミカン), oldest first."""
    key = loose_key(nickname)
    if not key:
        return []
    return list(
        NicknameParticipant.objects.filter(organisation_id=organisation_id, nickname_key=key)
        .select_related("linked_person")
        .order_by("created_at", "id")[:NICKNAME_CANDIDATES_SHOWN]
    )


def nickname_create(
    *,
    organisation_id: int,
    data: dict[str, Any],
    by: User,
    request: HttpRequest | None = None,
    confirmed_new: bool = False,
) -> NicknameParticipant:
    """A new participant known by a nickname only; refused (NicknameKnown) while a participant
    whose nickname reads the same exists, unless the worker confirmed it is someone else."""
    if not confirmed_new and (candidates := nickname_candidates(organisation_id, data["nickname"])):
        raise NicknameKnown(NICKNAME_KNOWN.format(nickname=data["nickname"]), candidates=candidates)
    with transaction.atomic():
        nickname = NicknameParticipant.objects.create(organisation_id=organisation_id, **data)
        audit_record(
            action=AuditEvent.Action.CREATE, actor=by, request=request, obj=nickname, fields=data
        )
    return nickname


def nickname_link(
    *,
    nickname: NicknameParticipant,
    person: Person,
    by: User,
    request: HttpRequest | None = None,
) -> None:
    """Link a nickname to a person: their attendance counts as the person's from now on.

    The attendance rows stay with the nickname, so `nickname_unlink` restores both exactly.
    """
    if nickname.linked_person_id is not None:
        raise ValidationError(
            "このニックネームはすでに本人の記録に結び付いています。先に結び付けを解除してください。"
        )
    if person.organisation_id != nickname.organisation_id:
        raise ValidationError("別の機関の記録には結び付けられません。")
    with transaction.atomic():
        nickname.linked_person, nickname.linked_at = person, timezone.now()
        nickname.save(update_fields=["linked_person", "linked_at"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=nickname,
            fields=["linked_person"],
            detail={"person": person.pk},
        )


def nickname_unlink(
    *, nickname: NicknameParticipant, by: User, request: HttpRequest | None = None
) -> None:
    if nickname.linked_person_id is None:
        raise ValidationError("このニックネームは本人の記録に結び付いていません。")
    with transaction.atomic():
        person_id = nickname.linked_person_id
        nickname.linked_person, nickname.linked_at = None, None
        nickname.save(update_fields=["linked_person", "linked_at"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=nickname,
            fields=["linked_person"],
            detail={"unlinked_person": person_id},
        )


# Reservations ---------------------------------------------------------------------------------


@dataclass
class ReservationOutcome:
    reservation: Reservation
    message: str


def confirmed_count(session: Session) -> int:
    return session.reservations.filter(status=Reservation.Status.CONFIRMED).count()


def reserve(
    *,
    session: Session,
    person: Person | None = None,
    nickname: NicknameParticipant | None = None,
    new_nickname: str = "",
    confirmed_new: bool = False,
    channel: str,
    note: str = "",
    by: User,
    request: HttpRequest | None = None,
) -> ReservationOutcome:
    """Take a reservation; beyond the capacity it goes on the waiting list, and says so.

    `new_nickname` registers the nickname with the reservation, and only when it is taken, so a
    refused reservation leaves no nickname behind.
    """
    place = session.place
    if not place.takes_reservations:
        raise ValidationError(FREE_PARTICIPATION)
    if session.is_cancelled:
        raise ValidationError(RESERVED_ON_CANCELLED)
    with transaction.atomic():
        _lock_place(place.pk)
        active = session.reservations.exclude(status=Reservation.Status.CANCELLED)
        if (person and active.filter(person=person).exists()) or (
            nickname and active.filter(nickname=nickname).exists()
        ):
            raise ValidationError(ALREADY_RESERVED)
        if new_nickname:
            nickname = nickname_create(
                organisation_id=place.organisation_id,
                data={"nickname": new_nickname},
                by=by,
                request=request,
                confirmed_new=confirmed_new,
            )
        full = place.capacity is not None and confirmed_count(session) >= place.capacity
        status = Reservation.Status.WAITING if full else Reservation.Status.CONFIRMED
        reservation = Reservation.objects.create(
            session=session,
            person=person,
            nickname=nickname,
            status=status,
            channel=channel,
            note=note,
            taken_by=by,
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=reservation,
            fields=["person" if person else "nickname", "status", "channel", "note"],
        )
    if full:
        position = session.reservations.filter(status=Reservation.Status.WAITING).count()
        return ReservationOutcome(
            reservation,
            f"定員（{place.capacity}人）に達しているため、キャンセル待ち（{position}番目）で"
            "受け付けました。予約が取り消されたら順に繰り上げます。",
        )
    return ReservationOutcome(reservation, "予約を受け付けました。")


def reservation_cancel(
    *, reservation: Reservation, by: User, request: HttpRequest | None = None
) -> Reservation | None:
    """Cancel; when a confirmed seat frees up, the first on the waiting list is promoted."""
    if reservation.status == Reservation.Status.CANCELLED:
        raise ValidationError("この予約はすでに取り消されています。")
    with transaction.atomic():
        _lock_place(reservation.session.place_id)
        was_confirmed = reservation.status == Reservation.Status.CONFIRMED
        reservation.status = Reservation.Status.CANCELLED
        reservation.save(update_fields=["status"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=by,
            request=request,
            obj=reservation,
            fields=["status"],
        )
        if not was_confirmed:
            return None
        promoted = (
            reservation.session.reservations.filter(status=Reservation.Status.WAITING)
            .order_by("created_at", "id")
            .first()
        )
        if promoted is not None:
            promoted.status = Reservation.Status.CONFIRMED
            promoted.save(update_fields=["status"])
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                obj=promoted,
                fields=["status"],
                detail={"promoted_from_waiting_list": True},
            )
        return promoted
