"""居場所 pages for staff: places, schedules, sessions, the tablet attendance page, reservations,
nicknames and figures. Access: `community.access` (own organisation; RUN_IBASHO or the worker's
personal-data right), figures: VIEW_STATISTICS.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.access import (
    audit_list_read,
    own_organisation_id,
    request_user,
    require_right,
    visible_to,
)
from accounts.models import User
from accounts.roles import Right
from cases.models import Case, Stage
from community import services
from community.access import can_run, ibasho_right, load, load_list
from community.figures import attendance_figures
from community.forms import (
    AnonymousForm,
    CurriculumForm,
    Difference,
    ExceptionForm,
    FiguresForm,
    LinkForm,
    NicknameForm,
    PlaceForm,
    ReservationForm,
    ScheduleForm,
    SessionEditForm,
    SessionForm,
    differences,
)
from community.list_forms import DEFAULT_PLACE_SORT, PLACE_SORTS, PlaceFilterForm
from community.models import (
    Attendance,
    NicknameParticipant,
    Place,
    Reservation,
    Schedule,
    Session,
)
from people.access import hidden_person_ids, persons_for_search
from people.models import Person
from people.names import loose_key
from people.search import search_persons
from tsunagu.dates import fiscal_year, fiscal_year_range
from tsunagu.forms import error_text, show_refusal
from tsunagu.listing import ListPage
from tsunagu.versioning import StaleVersionError

NAME_FIELDS = ("family_name", "given_name", "alias")
UPCOMING_DAYS = 35
# Not sent again with an offered nickname: the page writes its own token and confirmation.
NOT_CARRIED = ("csrfmiddlewaretoken", "confirmed_new")


@dataclass(frozen=True)
class NicknameOffer:
    """A new nickname refused because it reads as known participants': the session page offers
    them (`candidates`), each sent with the rest of the input, or the input again as a new one."""

    message: str
    candidates: list[NicknameParticipant]
    action_url: str
    # The input as posted (for 「別の方として新しく記録する」), and without the new nickname (for
    # choosing a candidate, sent as `nickname_id`).
    carried: list[tuple[str, str]]
    others: list[tuple[str, str]]
    button: str


def _nickname_offer(
    request: HttpRequest, known: services.NicknameKnown, name_field: str, button: str
) -> NicknameOffer:
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED
        for value in values
    ]
    return NicknameOffer(
        message=known.messages[0],
        candidates=known.candidates,
        action_url=request.path,
        carried=carried,
        others=[(name, value) for name, value in carried if name != name_field],
        button=button,
    )


def _refused(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


# Places ---------------------------------------------------------------------------------------


def place_list(request: HttpRequest) -> HttpResponse:
    """Places in use (or archived) one page at a time, filtered and sorted in SQL
    (community.list_forms)."""
    user = request_user(request)
    filters = PlaceFilterForm(request.GET)
    listing = ListPage.read(
        request,
        filters.apply(Place.objects.all()),
        right=ibasho_right(user),
        sorts=PLACE_SORTS,
        default_sort=DEFAULT_PLACE_SORT,
        fields=("name",),
    )
    return render(
        request,
        "community/place_list.html",
        {
            "places": listing.records,
            "listing": listing,
            "filters": filters,
            "show_archived": bool(filters.value("archived")),
            "can_edit": can_run(user, write=True),
            "can_see_figures": user.has_right(Right.VIEW_STATISTICS),
        },
    )


def place_create(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, ibasho_right(user, write=True), request=request)
    form = PlaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        place = services.place_create(
            organisation_id=own_organisation_id(user),
            data=form.place_data(),
            by=user,
            request=request,
        )
        messages.success(request, f"{place} を登録しました。続けて開催予定を登録してください。")
        return redirect("community_place_detail", pk=place.pk)
    return render(request, "community/place_form.html", {"form": form})


def place_edit(request: HttpRequest, pk: int) -> HttpResponse:
    place = load(request, Place.objects.all(), pk, write=True)
    form = PlaceForm(request.POST or None, instance=place)
    stale: list[Difference] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.place_update(
                place=place,
                data=form.place_data(),
                version=form.cleaned_data["version"] or 0,
                by=request_user(request),
                request=request,
            )
        except StaleVersionError as error:
            saved = Place.objects.get(pk=place.pk)
            stale = differences(form, PlaceForm.saved_values(saved))
            form = PlaceForm(_with_version(request, error), instance=saved)
            form.is_valid()
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{place} を保存しました。")
            return redirect("community_place_detail", pk=place.pk)
    return render(
        request, "community/place_form.html", {"form": form, "place": place, "stale": stale}
    )


def _with_version(request: HttpRequest, error: StaleVersionError) -> QueryDict:
    """The worker's input again, now carrying the saved version: saving it again (knowingly)
    replaces what is saved."""
    data = request.POST.copy()
    data["version"] = str(error.current_version)
    return data


def place_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    place = load(
        request,
        Place.objects.select_related("organisation").prefetch_related(
            Prefetch("schedules", queryset=Schedule.objects.prefetch_related("exceptions")),
            "curriculum",
        ),
        pk,
    )
    today = timezone.localdate()
    sessions = list(
        place.sessions.filter(date__gte=today - timedelta(days=7))
        .select_related("curriculum_unit")
        .order_by("date", "start_time")[:40]
    )
    return render(
        request,
        "community/place_detail.html",
        {
            "place": place,
            "sessions": sessions,
            "today": today,
            "can_edit": can_run(user, write=True),
            "schedule_form": ScheduleForm(initial={"closed_on_holidays": True}),
            "session_form": SessionForm(place=place, staff=_staff_choices(place)),
            "exception_form": ExceptionForm(),
            "curriculum_form": CurriculumForm(),
        },
    )


@require_POST
def place_archive(request: HttpRequest, pk: int) -> HttpResponse:
    place = load(request, Place.objects.all(), pk, write=True)
    archive = request.POST.get("archive") == "1"
    services.place_set_archived(
        place=place, archived=archive, by=request_user(request), request=request
    )
    if archive:
        messages.success(
            request,
            f"{place} をアーカイブしました。"
            "これまでの開催回と出席の記録は残り、集計にも含まれます。",
        )
    else:
        messages.success(request, f"{place} を再び使えるようにしました。")
    return redirect("community_place_detail", pk=place.pk)


def _staff_choices(place: Place) -> QuerySet[User]:
    return User.objects.filter(organisation_id=place.organisation_id, is_active=True).order_by(
        "username"
    )


# Schedules, sessions, curriculum ---------------------------------------------------------------


def schedule_create(request: HttpRequest, pk: int) -> HttpResponse:
    place = load(request, Place.objects.all(), pk, write=True)
    form = ScheduleForm(request.POST or None, initial={"closed_on_holidays": True})
    if request.method == "POST" and form.is_valid():
        try:
            _, result, note = services.schedule_create(
                place=place, data=dict(form.cleaned_data), by=request_user(request), request=request
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            for line in result.messages():
                messages.success(request, line)
            if note:
                messages.info(request, note)
            return redirect("community_place_detail", pk=place.pk)
    return render(request, "community/schedule_form.html", {"form": form, "place": place})


@require_POST
def exception_add(request: HttpRequest, pk: int) -> HttpResponse:
    schedule = load(request, Schedule.objects.select_related("place"), pk, write=True)
    form = ExceptionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "例外を登録できませんでした: " + error_text(form))
        return redirect("community_place_detail", pk=schedule.place_id)
    try:
        result = services.schedule_add_exception(
            schedule=schedule,
            day=form.cleaned_data["date"],
            kind=form.cleaned_data["kind"],
            note=form.cleaned_data["note"],
            by=request_user(request),
            request=request,
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "例外を登録しました。")
        for line in result.messages()[1:] if not result.created else result.messages():
            messages.info(request, line)
    return redirect("community_place_detail", pk=schedule.place_id)


def session_create(request: HttpRequest, pk: int) -> HttpResponse:
    place = load(request, Place.objects.all(), pk, write=True)
    form = SessionForm(request.POST or None, place=place, staff=_staff_choices(place))
    if request.method == "POST" and form.is_valid():
        try:
            session = services.session_create(
                place=place,
                data=form.session_data(),
                staff=form.staff_members(),
                by=request_user(request),
                request=request,
            )
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "開催回を登録しました。")
            return redirect("community_session_detail", pk=session.pk)
    return render(request, "community/session_form.html", {"form": form, "place": place})


def session_edit(request: HttpRequest, pk: int) -> HttpResponse:
    session = load(request, Session.objects.select_related("place"), pk, write=True)
    place = session.place
    choices = _staff_choices(place)
    initial = SessionEditForm.initial_for(session)
    form = SessionEditForm(request.POST or None, initial=initial, place=place, staff=choices)
    stale: list[Difference] | None = None
    if request.method == "POST" and form.is_valid():
        try:
            services.session_update(
                session=session,
                data=form.session_data(),
                staff=form.staff_members(),
                version=form.cleaned_data["version"],
                by=request_user(request),
                request=request,
            )
        except StaleVersionError as error:
            saved = SessionEditForm.initial_for(Session.objects.get(pk=session.pk))
            stale = differences(form, saved)
            form = SessionEditForm(
                _with_version(request, error), initial=saved, place=place, staff=choices
            )
            form.is_valid()
            form.add_error(None, str(error))
        except ValidationError as error:
            show_refusal(form, error)
        else:
            messages.success(request, "開催回を保存しました。")
            return redirect("community_session_detail", pk=session.pk)
    return render(
        request,
        "community/session_form.html",
        {"form": form, "place": place, "session": session, "stale": stale},
    )


@require_POST
def curriculum_add(request: HttpRequest, pk: int) -> HttpResponse:
    place = load(request, Place.objects.all(), pk, write=True)
    form = CurriculumForm(request.POST)
    if not form.is_valid():
        messages.error(request, "カリキュラムを追加できませんでした: " + error_text(form))
        return redirect("community_place_detail", pk=place.pk)
    try:
        services.curriculum_add(
            place=place,
            number=form.cleaned_data["number"],
            title=form.cleaned_data["title"],
            by=request_user(request),
            request=request,
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"第{form.cleaned_data['number']}回を追加しました。")
    return redirect("community_place_detail", pk=place.pk)


# The attendance page (tablet) -----------------------------------------------------------------


def session_queryset() -> QuerySet[Session]:
    return Session.objects.select_related("place", "curriculum_unit").prefetch_related("staff")


def session_detail(
    request: HttpRequest,
    pk: int,
    reservation_form: ReservationForm | None = None,
    nickname_offer: NicknameOffer | None = None,
) -> HttpResponse:
    """The tablet page; `reservation_form` is a refused reservation's input with the refusal,
    `nickname_offer` the known participants offered before a new nickname is recorded."""
    user = request_user(request)
    session = load(
        request, session_queryset(), pk, fields=("attendances", "reservations", *NAME_FIELDS)
    )
    attendances = list(
        session.attendances.select_related("person", "nickname__linked_person")
        .prefetch_related("person__team")
        .order_by("id")
    )
    reservations = list(
        session.reservations.select_related("person", "nickname")
        .prefetch_related("person__team")
        .order_by("created_at", "id")
    )
    case_links = _case_links(user, [a.person_id for a in attendances if a.person_id])
    for attendance in attendances:
        attendance.case_list = case_links.get(attendance.person_id or 0, [])  # type: ignore[attr-defined]
    query = request.GET.get("q", "").strip()
    hits = _search(user, query)
    nicknames = _nickname_matches(user, query)
    offered = nickname_offer.candidates if nickname_offer else []
    persons = [a.person for a in attendances if a.person]
    persons += [r.person for r in reservations if r.person] + hits
    audit_list_read(
        user,
        persons,
        model=Person,
        request=request,
        fields=NAME_FIELDS,
        also={"community.nicknameparticipant": [n.pk for n in [*nicknames, *offered]]},
    )
    return render(
        request,
        "community/session_detail.html",
        {
            "nickname_offer": nickname_offer,
            "session": session,
            "place": session.place,
            "attendances": attendances,
            "head_total": sum(a.head_count for a in attendances),
            "reservations": reservations,
            "confirmed": sum(1 for r in reservations if r.status == Reservation.Status.CONFIRMED),
            "waiting": [r for r in reservations if r.status == Reservation.Status.WAITING],
            "query": query,
            "hits": hits,
            "nicknames": nicknames,
            "hidden_ids": hidden_person_ids(user, persons),
            "can_edit": can_run(user, write=True),
            "nickname_form": NicknameForm(),
            "anonymous_form": AnonymousForm(),
            "reservation_form": reservation_form or ReservationForm(),
        },
    )


def _search(user: User, query: str) -> list[Person]:
    if not query:
        return []
    queryset = persons_for_search(user, Person.objects.current()).prefetch_related("team")
    return [hit.person for hit in search_persons(queryset, query, limit=10)]


def _nickname_matches(user: User, query: str) -> list[NicknameParticipant]:
    if not query:
        return []
    # As written, or as it reads (そら finds ソラ, ﾐｶﾝ finds ミカン).
    matches = Q(nickname__icontains=query)
    if key := loose_key(query):
        matches |= Q(nickname_key__startswith=key)
    return list(visible_to(user, NicknameParticipant.objects.filter(matches))[:10])


def _case_links(user: User, person_ids: list[int]) -> dict[int, list[Case]]:
    """Open cases of the persons shown, only for users who may read cases (never ibasho staff)."""
    if not user.has_right(Right.VIEW_PERSONAL_DATA) or not person_ids:
        return {}
    links: dict[int, list[Case]] = defaultdict(list)
    cases = visible_to(user, Case.objects.exclude(stage=Stage.CLOSED)).filter(
        person_id__in=person_ids
    )
    for case in cases.order_by("id"):
        if case.person_id is not None:
            links[case.person_id].append(case)
    return dict(links)


def _load_session_for_write(request: HttpRequest, pk: int) -> Session:
    return load(request, session_queryset(), pk, write=True)


def _person_for(request: HttpRequest, person_id: Any) -> Person:
    return load(request, Person.objects.current(), person_id, write=True, fields=NAME_FIELDS)


@require_POST
def attend_registered_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _load_session_for_write(request, pk)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "出席する方を選んでください。")
        return redirect("community_session_detail", pk=pk)
    person = _person_for(request, form.cleaned_data["person"])
    try:
        services.attend_registered(
            session=session, person=person, by=request_user(request), request=request
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "出席を記録しました。")
    return redirect("community_session_detail", pk=pk)


@require_POST
def attend_nickname_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _load_session_for_write(request, pk)
    user = request_user(request)
    try:
        if request.POST.get("nickname_id"):
            nickname = load(
                request, NicknameParticipant.objects.all(), request.POST["nickname_id"], write=True
            )
            services.attend_nickname(session=session, nickname=nickname, by=user, request=request)
        else:
            form = NicknameForm(request.POST)
            if not form.is_valid():
                messages.error(request, "ニックネームを記録できませんでした: " + error_text(form))
                return redirect("community_session_detail", pk=pk)
            attendance = services.attend_new_nickname(
                session=session,
                data=form.nickname_data(),
                by=user,
                request=request,
                confirmed_new=request.POST.get("confirmed_new") == "1",
            )
            assert attendance.nickname is not None
            nickname = attendance.nickname
    except services.NicknameKnown as known:
        offer = _nickname_offer(request, known, "nickname", "この方として出席を記録")
        return session_detail(request, pk, nickname_offer=offer)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"「{nickname.nickname}」さんの出席を記録しました。")
    return redirect("community_session_detail", pk=pk)


@require_POST
def attend_anonymous_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _load_session_for_write(request, pk)
    form = AnonymousForm(request.POST)
    if not form.is_valid():
        messages.error(request, "人数を記録できませんでした: " + error_text(form))
        return redirect("community_session_detail", pk=pk)
    try:
        services.attend_anonymous(
            session=session,
            head_count=form.cleaned_data["head_count"],
            first_time_count=form.cleaned_data["first_time_count"],
            by=request_user(request),
            request=request,
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, f"{form.cleaned_data['head_count']}人を記録しました。")
    return redirect("community_session_detail", pk=pk)


@require_POST
def attendance_remove_view(request: HttpRequest, pk: int) -> HttpResponse:
    attendance = load(request, Attendance.objects.all(), pk, write=True)
    session_id = attendance.session_id
    services.attendance_remove(attendance=attendance, by=request_user(request), request=request)
    messages.success(request, "出席の記録を取り消しました。")
    return redirect("community_session_detail", pk=session_id)


# Reservations ---------------------------------------------------------------------------------


@require_POST
def reservation_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    session = _load_session_for_write(request, pk)
    form = ReservationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "予約を受け付けられませんでした: " + error_text(form))
        return redirect("community_session_detail", pk=pk)
    data = form.cleaned_data
    person = _person_for(request, data["person"]) if data["person"] else None
    nickname = None
    if data["nickname_id"]:
        nickname = load(request, NicknameParticipant.objects.all(), data["nickname_id"], write=True)
    try:
        # Whether the place takes reservations at all is the service's rule, and its message.
        outcome = services.reserve(
            session=session,
            person=person,
            nickname=nickname,
            new_nickname=data["new_nickname"],
            confirmed_new=request.POST.get("confirmed_new") == "1",
            channel=data["channel"],
            note=data["note"],
            by=request_user(request),
            request=request,
        )
    except services.NicknameKnown as known:
        offer = _nickname_offer(request, known, "new_nickname", "この方の予約を受け付ける")
        return session_detail(request, pk, nickname_offer=offer)
    except ValidationError as error:
        show_refusal(form, error)
        return session_detail(request, pk, reservation_form=form)
    if outcome.reservation.status == Reservation.Status.WAITING:
        messages.warning(request, outcome.message)
    else:
        messages.success(request, outcome.message)
    return redirect("community_session_detail", pk=pk)


@require_POST
def reservation_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    reservation = load(request, Reservation.objects.select_related("session"), pk, write=True)
    try:
        promoted = services.reservation_cancel(
            reservation=reservation, by=request_user(request), request=request
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(request, "予約を取り消しました。")
        if promoted is not None:
            messages.info(
                request,
                "キャンセル待ちの1番目の方を予約済みに繰り上げました。"
                "ご本人への連絡を忘れないでください。",
            )
    return redirect("community_session_detail", pk=reservation.session_id)


# Nicknames ------------------------------------------------------------------------------------


def nickname_list(request: HttpRequest) -> HttpResponse:
    nicknames = load_list(
        request,
        NicknameParticipant.objects.select_related("linked_person")
        .prefetch_related("linked_person__team")
        .order_by("nickname", "id"),
        fields=("nickname", "linked_person"),
    )
    user = request_user(request)
    linked = [n.linked_person for n in nicknames if n.linked_person]
    if linked:
        audit_list_read(user, linked, model=Person, request=request, fields=NAME_FIELDS)
    return render(
        request,
        "community/nickname_list.html",
        {"nicknames": nicknames, "hidden_ids": hidden_person_ids(user, linked)},
    )


def nickname_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request_user(request)
    nickname = load(
        request,
        NicknameParticipant.objects.select_related("linked_person").prefetch_related(
            "linked_person__team"
        ),
        pk,
        fields=("nickname", "age_band", "sex", "linked_person"),
    )
    query = request.GET.get("q", "").strip()
    hits = _search(user, query)
    shown = hits + ([nickname.linked_person] if nickname.linked_person else [])
    if shown:
        audit_list_read(user, shown, model=Person, request=request, fields=NAME_FIELDS)
    attendances = list(
        nickname.attendances.select_related("session__place").order_by("-session__date")
    )
    return render(
        request,
        "community/nickname_detail.html",
        {
            "nickname": nickname,
            "attendances": attendances,
            "query": query,
            "hits": hits,
            "hidden_ids": hidden_person_ids(user, shown),
            "can_edit": can_run(user, write=True),
        },
    )


@require_POST
def nickname_link_view(request: HttpRequest, pk: int) -> HttpResponse:
    nickname = load(request, NicknameParticipant.objects.all(), pk, write=True)
    form = LinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "結び付ける本人の記録を選んでください。")
        return redirect("community_nickname_detail", pk=pk)
    person = _person_for(request, form.cleaned_data["person"])
    try:
        services.nickname_link(
            nickname=nickname, person=person, by=request_user(request), request=request
        )
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"「{nickname.nickname}」さんを本人の記録に結び付けました。"
            "間違いだったときは「結び付けを解除」で元に戻せます。",
        )
    return redirect("community_nickname_detail", pk=pk)


@require_POST
def nickname_unlink_view(request: HttpRequest, pk: int) -> HttpResponse:
    nickname = load(request, NicknameParticipant.objects.all(), pk, write=True)
    try:
        services.nickname_unlink(nickname=nickname, by=request_user(request), request=request)
    except ValidationError as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            f"結び付けを解除しました。「{nickname.nickname}」さんと本人の記録は元どおり別々です。",
        )
    return redirect("community_nickname_detail", pk=pk)


# Figures --------------------------------------------------------------------------------------


def figures_view(request: HttpRequest) -> HttpResponse:
    user = request_user(request)
    require_right(user, Right.VIEW_STATISTICS, request=request)
    start, end = fiscal_year_range(fiscal_year(timezone.localdate()))
    form = FiguresForm(request.GET or None, initial={"start": start, "end": end})
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    places = list(visible_to(user, Place.objects.all()).order_by("name", "id"))
    report = attendance_figures(places, start, end)
    return render(request, "community/figures.html", {"form": form, "report": report})
