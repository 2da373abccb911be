"""Referrals (つなぎ) and the agency directory (地域資源) in the JSON API."""

from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from accounts.access import get_for_user, own_organisation_id, page_for_user, require_right
from accounts.models import User
from accounts.roles import Right
from api.common import (
    TAGS,
    AgencyRef,
    FormErrors,
    StaffRef,
    agency_ref,
    auth_user,
    editor,
    form_errors,
    refuse,
    require_valid,
    require_version,
    service_refusals,
    staff_ref,
    unprocessable,
    without,
)
from api.paging import PageIn, PageOut, paging
from api.people import PersonOut, person_out
from api.schemas import ErrorOut
from cases.access import load_case
from cases.models import Case
from collaboration.directory.forms import AgencyForm, agency_choices
from collaboration.directory.services import agency_create, directory_for
from collaboration.models import Agency, Referral, ReferralEvent
from collaboration.referrals.access import received_referral_for_user, received_referrals
from collaboration.referrals.forms import (
    ACTION_STATES,
    ReceiverAction,
    ReceiverActionForm,
    ReferralForm,
    ReferralStateForm,
)
from collaboration.referrals.services import (
    referral_accept,
    referral_connected,
    referral_create,
    referral_decline,
    referral_set_state,
    states_for,
)
from collaboration.referrals.views import REFERRAL_FIELDS
from collaboration.sharing.access import audit_received_referrals, received_referral_identities
from people.access import IDENTITY_FIELDS, person_for_edit
from people.models import Person

router = Router(tags=TAGS)

LIST_FIELDS = tuple(field for field in REFERRAL_FIELDS if field != "events")
# The body's names of the page's referral fields.
REFERRAL_NAMES = {"agency": "agency_id"}


# ---------------------------------------------------------------------------------------------
# Referrals


class ReferralIn(Schema):
    case_id: int | None = None
    person_id: int | None = None
    agency_id: int | None = None
    purpose: str = ""
    follow_up_on: str = ""
    accompanied: bool = False


class ReferralEventOut(Schema):
    state: str
    state_label: str
    note: str
    at: datetime
    by: StaffRef


class ReferralOut(Schema):
    id: int
    case_id: int | None
    person: PersonOut
    agency: AgencyRef
    purpose: str
    state: str
    state_label: str
    is_open: bool
    is_overdue: bool
    failed_reason: str
    accompanied: bool
    referred_on: date
    follow_up_on: date
    referred_by: StaffRef
    version: int
    events: list[ReferralEventOut] = []


class ReferralStateIn(Schema):
    state: str = ""
    version: int | None = None
    note: str = ""
    follow_up_on: str = ""


def referrals() -> QuerySet[Referral]:
    return Referral.objects.select_related("agency", "person", "referred_by").prefetch_related(
        "person__team"
    )


def _load_referral(
    request: HttpRequest, referral_id: int, right: Right, fields: tuple[str, ...]
) -> Referral:
    return get_for_user(
        auth_user(request), referrals(), referral_id, right=right, request=request, fields=fields
    )


def _event_out(event: ReferralEvent) -> ReferralEventOut:
    return ReferralEventOut(
        state=event.state,
        state_label=event.get_state_display(),
        note=event.note,
        at=event.at,
        by=staff_ref(event.by),
    )


def referral_out(referral: Referral, user: User, *, events: bool = False) -> ReferralOut:
    return ReferralOut(
        id=referral.pk,
        case_id=referral.case_id,
        person=person_out(referral.person, user),
        agency=agency_ref(referral.agency),
        purpose=referral.purpose,
        state=referral.state,
        state_label=referral.get_state_display(),
        is_open=referral.is_open,
        is_overdue=referral.is_overdue(),
        failed_reason=referral.failed_reason,
        accompanied=referral.accompanied,
        referred_on=referral.referred_on,
        follow_up_on=referral.follow_up_on,
        referred_by=staff_ref(referral.referred_by),
        version=referral.version,
        events=[_event_out(event) for event in referral.events.select_related("by")]
        if events
        else [],
    )


class ReferralPage(PageOut):
    items: list[ReferralOut]


@router.get(
    "/referrals",
    response={200: ReferralPage, 403: ErrorOut, 422: FormErrors},
    summary="つなぎの一覧（所属機関、確認日の順、ページ送り）",
)
def referrals_list(request: HttpRequest, page: Query[PageIn], open: bool = False) -> ReferralPage:
    """`?open=true` で結果の決まっていないもの（打診中・受入）だけ。"""
    user = auth_user(request)
    paged = paging(page)
    queryset = referrals().order_by("follow_up_on", "id")
    if open:
        queryset = queryset.filter(state__in=Referral.OPEN_STATES)
    listed, count = page_for_user(
        user,
        queryset,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=LIST_FIELDS,
        offset=paged.offset,
        limit=paged.limit,
    )
    return ReferralPage(**paged.envelope(count, [referral_out(r, user) for r in listed]))


@router.post(
    "/referrals",
    response={201: ReferralOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="関係機関へつなぐ",
)
def referrals_create(request: HttpRequest, payload: ReferralIn) -> Status[Any]:
    """`case_id` を付けるとケースのつなぎになります（`person_id` を省略するとケースの本人）。"""
    user = editor(request)
    organisation_id = own_organisation_id(user)
    # The page's form (the person is read apart): the agency is the body's `agency_id`.
    data = payload.dict(exclude={"case_id", "person_id", "agency_id"})
    data["agency"] = payload.agency_id
    form = ReferralForm(data, agency_choices=agency_choices(list(directory_for(user))))
    errors = form_errors(form, names=REFERRAL_NAMES)
    if payload.person_id is None and payload.case_id is None:
        errors["person_id"] = ["つなぐ人を選んでください。"]
    refuse(errors)
    case = None
    if payload.case_id is not None:
        case = load_case(
            request, payload.case_id, right=Right.EDIT_PERSONAL_DATA, fields=("referrals",)
        )
    person = _person_to_refer(request, payload.person_id, case)
    with service_refusals(REFERRAL_NAMES):
        referral = referral_create(
            organisation_id=organisation_id,
            person_id=person.pk,
            agency_id=form.cleaned_data["agency"],
            purpose=form.cleaned_data["purpose"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            accompanied=form.cleaned_data["accompanied"],
            case=case,
            by=user,
            request=request,
        )
    return Status(201, referral_out(referrals().get(pk=referral.pk), user, events=True))


def _person_to_refer(request: HttpRequest, person_id: int | None, case: Case | None) -> Person:
    """The person named, who must belong to the case if there is one; else the case's person."""
    if person_id is None:
        if case is None or case.person is None:
            raise unprocessable(
                {"person_id": ["つなぐ人を選んでください（ケースに本人がいません）。"]}
            )
        return case.person
    person = person_for_edit(
        request, person_id, persons=Person.objects.current(), fields=IDENTITY_FIELDS
    )
    if case is not None and not _belongs_to_case(person, case):
        raise unprocessable({"person_id": ["このケースの本人・世帯員ではありません。"]})
    return person


def _belongs_to_case(person: Person, case: Case) -> bool:
    if case.person_id == person.pk:
        return True
    # Current members only, as on the page: a former member is referred from their own case.
    return (
        case.household is not None
        and case.household.memberships.filter(person=person)
        .filter(Q(left_on__isnull=True) | Q(left_on__gte=timezone.localdate()))
        .exists()
    )


@router.get(
    "/referrals/{referral_id}",
    response={200: ReferralOut, 403: ErrorOut, 404: ErrorOut},
    summary="つなぎ1件と経過",
)
def referrals_read(request: HttpRequest, referral_id: int) -> ReferralOut:
    referral = _load_referral(request, referral_id, Right.VIEW_PERSONAL_DATA, REFERRAL_FIELDS)
    return referral_out(referral, auth_user(request), events=True)


@router.post(
    "/referrals/{referral_id}/state",
    response={200: ReferralOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="つなぎの状態を変える（version 必須）",
)
def referrals_set_state(
    request: HttpRequest, referral_id: int, payload: ReferralStateIn
) -> Status[Any]:
    """打診中 → 受入 → 初回面談済（つながった） → 終了。不成立には理由（`note`）が必要です。"""
    user = auth_user(request)
    referral = _load_referral(request, referral_id, Right.EDIT_PERSONAL_DATA, ("state",))
    # The page's form; the API reads `version` from the body itself.
    form = without(
        ReferralStateForm(payload.dict(exclude={"version"}), referral=referral), "version"
    )
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        updated = referral_set_state(
            referral=referral,
            state=form.cleaned_data["state"],
            version=version,
            note=form.cleaned_data["note"],
            follow_up_on=form.cleaned_data["follow_up_on"],
            by=user,
            request=request,
        )
    return Status(200, referral_out(referrals().get(pk=updated.pk), user, events=True))


# ---------------------------------------------------------------------------------------------
# Referrals received (受け取ったつなぎ): the organisation a referral was made to reads it and
# answers it — accepts, declines with a reason, records the first meeting — through the same
# services as its page. Only that organisation: any other, the sender's included, gets 404.


class ReceivedReferralOut(Schema):
    id: int
    sender_organisation: str
    person_name: str = Field(
        description="つなぐ人の氏名。制限対象者で同意がなければ「制限対象者 #番号」"
    )
    person_name_shown: bool
    agency: AgencyRef
    purpose: str
    state: str
    state_label: str
    accompanied: bool
    referred_on: date
    connected_on: date | None
    failed_reason: str
    referred_by: StaffRef
    version: int
    answers: list[str] = Field(description="今記録できる返事（accept・decline・connected）")
    events: list[ReferralEventOut] = []


class ReceivedReferralPage(PageOut):
    items: list[ReceivedReferralOut]


class ReferralAnswerIn(Schema):
    action: str = Field(
        "", description="accept（受け入れる）・decline（お断りする）・connected（初回面談）"
    )
    version: int | None = None
    reason: str = Field("", description="お断りする理由（decline のとき必須）")
    met_on: str = Field("", description="初回面談の日（connected のとき必須、今日まで）")


# The receiver's page names the service's `state` refusal after its action.
ANSWER_NAMES = {"state": "action"}


def received_referral_out(
    referral: Referral, user: User, shows_identity: bool, *, events: bool = False
) -> ReceivedReferralOut:
    person = referral.person
    offered = states_for(referral, user) if user.has_right(Right.EDIT_PERSONAL_DATA) else ()
    return ReceivedReferralOut(
        id=referral.pk,
        sender_organisation=referral.organisation.name,
        person_name=str(person) if shows_identity else person.restricted_label,
        person_name_shown=shows_identity,
        agency=agency_ref(referral.agency),
        purpose=referral.purpose,
        state=referral.state,
        state_label=referral.get_state_display(),
        accompanied=referral.accompanied,
        referred_on=referral.referred_on,
        connected_on=referral.connected_on,
        failed_reason=referral.failed_reason,
        referred_by=staff_ref(referral.referred_by),
        version=referral.version,
        answers=[str(action) for action, state in ACTION_STATES.items() if state in offered],
        events=[_event_out(event) for event in referral.events.select_related("by")]
        if events
        else [],
    )


@router.get(
    "/received-referrals",
    response={200: ReceivedReferralPage, 403: ErrorOut, 422: FormErrors},
    summary="受け取ったつなぎの一覧（所属機関がつなぎ先のもの、つないだ日の新しい順）",
)
def received_referrals_list(
    request: HttpRequest, page: Query[PageIn], open: bool = False
) -> ReceivedReferralPage:
    """`?open=true` で返事の決まっていないもの（打診中・受入）だけ。
    表示した行は本人への開示記録に残ります。"""
    user = auth_user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    paged = paging(page)
    queryset = received_referrals(user).order_by("-referred_on", "-id")
    if open:
        queryset = queryset.filter(state__in=Referral.OPEN_STATES)
    listed, count = paged.rows(queryset)
    identities = received_referral_identities(listed)
    audit_received_referrals(user, listed, identities, request=request)
    items = [received_referral_out(r, user, identities[r.pk]) for r in listed]
    return ReceivedReferralPage(**paged.envelope(count, items))


@router.get(
    "/received-referrals/{referral_id}",
    response={200: ReceivedReferralOut, 403: ErrorOut, 404: ErrorOut},
    summary="受け取ったつなぎ1件と経過",
)
def received_referrals_read(request: HttpRequest, referral_id: int) -> ReceivedReferralOut:
    user = auth_user(request)
    referral, shows = received_referral_for_user(
        user, referral_id, right=Right.VIEW_PERSONAL_DATA, request=request
    )
    return received_referral_out(referral, user, shows, events=True)


@router.post(
    "/received-referrals/{referral_id}/answer",
    response={
        200: ReceivedReferralOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: FormErrors,
    },
    summary="受け取ったつなぎに返事を記録する（受入・お断り・初回面談、version 必須）",
)
def received_referrals_answer(
    request: HttpRequest, referral_id: int, payload: ReferralAnswerIn
) -> Status[Any]:
    """`action`: `accept`（受け入れる）、`decline`（お断りする、`reason` 必須）、
    `connected`（初回面談を記録する、`met_on` 必須）。
    受入・お断り・初回面談は、つないだ機関に伝わります。"""
    user = auth_user(request)
    referral, shows = received_referral_for_user(
        user, referral_id, right=Right.EDIT_PERSONAL_DATA, request=request
    )
    # The receiver's page form; the API reads `version` from the body itself.
    form = without(
        ReceiverActionForm(payload.dict(exclude={"version"}), referral=referral), "version"
    )
    require_valid(form)
    version = require_version(payload.version)
    data = form.cleaned_data
    with service_refusals(ANSWER_NAMES):
        if data["action"] == ReceiverAction.ACCEPT:
            referral_accept(referral=referral, version=version, by=user, request=request)
        elif data["action"] == ReceiverAction.DECLINE:
            referral_decline(
                referral=referral,
                version=version,
                reason=data["reason"],
                by=user,
                request=request,
            )
        else:
            referral_connected(
                referral=referral,
                version=version,
                met_on=data["met_on"],
                by=user,
                request=request,
            )
    answered = received_referrals(user).get(pk=referral.pk)
    return Status(200, received_referral_out(answered, user, shows, events=True))


# ---------------------------------------------------------------------------------------------
# Agencies (地域資源): not personal data


class AgencyOut(AgencyRef):
    address: str
    phone: str
    hours: str
    area: str
    note: str
    local_government_name: str
    uses_tsunagu: bool


class AgencyIn(Schema):
    name: str = ""
    category: str = ""
    address: str = ""
    phone: str = ""
    hours: str = ""
    area: str = ""
    note: str = ""
    prefecture_wide: bool = False


def agency_out(agency: Agency) -> AgencyOut:
    return AgencyOut(
        **agency_ref(agency).dict(),
        address=agency.address,
        phone=agency.phone,
        hours=agency.hours,
        area=agency.area,
        note=agency.note,
        local_government_name=agency.local_government.name,
        uses_tsunagu=agency.organisation_id is not None,
    )


class AgencyPage(PageOut):
    items: list[AgencyOut]


@router.get(
    "/agencies",
    response={200: AgencyPage, 422: FormErrors},
    summary="地域資源（関係機関）の一覧：自分の市区町村と都道府県（種別・名前の順、ページ送り）",
)
def agencies_list(request: HttpRequest, page: Query[PageIn], q: str = "") -> AgencyPage:
    """`?q=` で機関名・対象地域・所在地を探します。"""
    paged = paging(page)
    agencies = directory_for(auth_user(request), query=q).order_by("category", "name", "id")
    listed, count = paged.rows(agencies)
    return AgencyPage(**paged.envelope(count, [agency_out(agency) for agency in listed]))


@router.post(
    "/agencies",
    response={201: AgencyOut, 403: ErrorOut, 422: FormErrors},
    summary="地域資源（関係機関）の登録",
)
def agencies_create(request: HttpRequest, payload: AgencyIn) -> Status[Any]:
    """自分の市区町村に登録します。`prefecture_wide: true` で都道府県の地域資源に。"""
    user = editor(request)
    own_organisation_id(user)
    government = user.organisation.local_government  # type: ignore[union-attr]
    if payload.prefecture_wide and government.prefecture is not None:
        government = government.prefecture
    # The page's form, with the local government the API chose as its only choice.
    data = payload.dict(exclude={"prefecture_wide"}) | {"local_government": government.pk}
    form = AgencyForm(data, governments=[government])
    require_valid(form)
    with service_refusals():
        agency = agency_create(
            data=form.cleaned_data, local_government=government, by=user, request=request
        )
    return Status(201, agency_out(agency))
