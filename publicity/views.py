"""Public pages without login (p.16-17): the ibasho list and calendar of a municipality, a place's
page and its iCalendar feed. Only public, unarchived places; no personal data, no counts.
"""

import calendar as month_calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.models import LocalGovernment
from community.models import Place, Session
from publicity.ical import calendar, escape_text, local_time

FEED_DAYS_BACK = 30
FEED_DAYS_AHEAD = 365
SESSION_FIELDS = ("place", "date", "start_time", "end_time", "programme", "title", "is_cancelled")


def public_places() -> QuerySet[Place]:
    return Place.objects.filter(is_public=True, archived_at__isnull=True).select_related(
        "organisation__local_government"
    )


def public_sessions(start: date, end: date) -> QuerySet[Session]:
    return (
        Session.objects.filter(date__gte=start, date__lte=end)
        .select_related("curriculum_unit")
        .only(*SESSION_FIELDS, "curriculum_unit__number", "curriculum_unit__title")
        .order_by("date", "start_time", "id")
    )


@dataclass
class Day:
    day: date
    in_month: bool
    sessions: list[Session]


def _month(request: HttpRequest) -> date:
    text = request.GET.get("month", "")
    try:
        return datetime.strptime(text, "%Y-%m").date().replace(day=1)
    except ValueError:
        return timezone.localdate().replace(day=1)


def _weeks(first: date, sessions: list[Session]) -> list[list[Day]]:
    by_day: dict[date, list[Session]] = {}
    for session in sessions:
        by_day.setdefault(session.date, []).append(session)
    cal = month_calendar.Calendar(firstweekday=6)
    return [
        [Day(d, d.month == first.month, by_day.get(d, [])) for d in week]
        for week in cal.monthdatescalendar(first.year, first.month)
    ]


@login_not_required
def place_list(request: HttpRequest, code: str) -> HttpResponse:
    government = get_object_or_404(
        LocalGovernment, code=code, kind=LocalGovernment.Kind.MUNICIPALITY
    )
    first = _month(request)
    last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
    sessions = public_sessions(first, last)
    places = list(
        public_places()
        .filter(organisation__local_government=government)
        .prefetch_related(Prefetch("sessions", queryset=sessions, to_attr="month_sessions"))
        .order_by("name", "id")
    )
    month_sessions = sorted(
        (s for place in places for s in place.month_sessions),
        key=lambda s: (s.date, s.start_time),
    )
    return render(
        request,
        "publicity/place_list.html",
        {
            "government": government,
            "places": places,
            "month": first,
            "weeks": _weeks(first, month_sessions),
            "sessions": month_sessions,
            "previous": (first - timedelta(days=1)).replace(day=1),
            "next": last + timedelta(days=1),
        },
    )


def _public_place(pk: int) -> Place:
    place = public_places().filter(pk=pk).first()
    if place is None:
        raise Http404("公開されている居場所ではありません。")
    return place


@login_not_required
def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    place = _public_place(pk)
    today = timezone.localdate()
    sessions = list(public_sessions(today, today + timedelta(days=62)).filter(place=place))
    return render(
        request,
        "publicity/place_detail.html",
        {"place": place, "sessions": sessions, "schedules": place.schedules.all()},
    )


@login_not_required
def place_ics(request: HttpRequest, pk: int) -> HttpResponse:
    place = _public_place(pk)
    today = timezone.localdate()
    sessions = public_sessions(
        today - timedelta(days=FEED_DAYS_BACK), today + timedelta(days=FEED_DAYS_AHEAD)
    ).filter(place=place)
    host = request.get_host().split(":")[0]
    response = HttpResponse(
        ics_for(place, list(sessions), host=host), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = f'inline; filename="ibasho-{place.pk}.ics"'
    return response


def ics_for(place: Place, sessions: list[Session], *, host: str) -> str:
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//tsunagu//ibasho calendar//JA",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(place.name)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
        "BEGIN:VTIMEZONE",
        "TZID:Asia/Tokyo",
        "BEGIN:STANDARD",
        "DTSTART:19700101T000000",
        "TZOFFSETFROM:+0900",
        "TZOFFSETTO:+0900",
        "TZNAME:JST",
        "END:STANDARD",
        "END:VTIMEZONE",
    ]
    description = "\n".join(
        part
        for part in (
            f"対象: {place.get_audience_display()}",
            f"参加方法: {place.get_reservation_policy_display()}",
            f"問い合わせ: {place.contact}" if place.contact else "",
            place.access_notes,
        )
        if part
    )
    for session in sessions:
        start = datetime.combine(session.date, session.start_time)
        end = datetime.combine(session.date, session.end_time)
        lines += [
            "BEGIN:VEVENT",
            f"UID:ibasho-session-{session.pk}@{host}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID=Asia/Tokyo:{local_time(start)}",
            f"DTEND;TZID=Asia/Tokyo:{local_time(end)}",
            f"SUMMARY:{escape_text(f'{place.name} {session.label}')}",
            f"LOCATION:{escape_text(place.address)}",
            f"DESCRIPTION:{escape_text(description)}",
            f"STATUS:{'CANCELLED' if session.is_cancelled else 'CONFIRMED'}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return calendar(lines)
