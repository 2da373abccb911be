"""参加支援 in the JSON API: hosts (受入先), their offers (受入メニュー), a case's placements (参加)
and its 就労準備支援事業 enrolments.

The same access functions, forms and services as the pages (`participation.access`,
`participation.placement_access`, `participation.services`, `.placements`, `.readiness`):
a host the worker may not know of (another prefecture's, or an unshared one of another
organisation) is 404; a host seen but owned by another organisation is 403 to edit; a case's
placements and enrolments follow the case's access. The services' refusals are 422 with their
Japanese messages, a stale version 409.
"""

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from accounts.access import require_right
from accounts.roles import Right
from api.common import (
    FormErrors,
    StaffRef,
    auth_user,
    require_valid,
    require_version,
    service_refusals,
    staff_ref,
    without,
)
from api.paging import PageIn, PageOut, paging
from api.schemas import ErrorOut
from cases.access import load_case
from participation.access import (
    READ_RIGHT,
    WRITE_RIGHT,
    can_edit_host,
    load_host,
    load_offer,
    visible_hosts,
    visible_offers,
)
from participation.forms import HostForm, OfferForm
from participation.models import ACTIVE_STAGES, Host, Offer, Placement, WorkReadinessEnrolment
from participation.placement_access import load_enrolment, load_placement
from participation.placement_forms import EnrolmentForm, ExtensionForm, MoveForm, ProposeForm
from participation.placements import (
    dispatch_choices,
    next_stages,
    placement_move,
    placement_propose,
)
from participation.readiness import (
    approver_choices,
    enrolment_create,
    enrolment_extend,
    provider_choices,
)
from participation.services import host_create, host_edit, offer_create, offer_edit

router = Router(tags=["参加支援"])

PLACEMENT_LIST_FIELDS = ("placements",)
ENROLMENT_FIELDS = ("work_readiness_enrolments",)


# ---------------------------------------------------------------------------------------------
# Schemas


class OrganisationRef(Schema):
    id: int
    name: str


class HostIn(Schema):
    name: str = ""
    kind: str = ""
    status: str = "developing"
    shared_in_prefecture: bool = False
    postal_code: str = ""
    address: str = ""
    nearest_station: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    needs_and_worries: str = ""
    notes: str = ""


class HostEditIn(HostIn):
    """Only the fields sent are changed; `version` is the one read."""

    version: int | None = None


class HostOut(Schema):
    id: int
    owner: OrganisationRef
    can_edit: bool
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    shared_in_prefecture: bool
    postal_code: str
    address: str
    nearest_station: str
    contact_name: str
    contact_phone: str
    contact_email: str
    needs_and_worries: str
    notes: str
    version: int


class HostPage(PageOut):
    items: list[HostOut]


class OfferIn(Schema):
    kind: str = ""
    title: str = ""
    tasks: str = ""
    days_and_hours: str = ""
    weekdays: list[str] = []
    min_hours_per_week: str | None = None
    minutes_first_time: int | None = None
    places: int = 1
    no_phone_work: bool = False
    quiet_room: bool = False
    works_alone: bool = False
    no_customer_contact: bool = False
    online_possible: bool = False
    starts_with_one_hour: bool = False
    accompaniment_possible: bool = False
    insured: bool = False
    paid: bool = False
    reward: str = ""
    transport_note: str = ""
    host_asks: str = ""
    is_active: bool = True


class OfferEditIn(OfferIn):
    """Only the fields sent are changed; `version` is the one read."""

    version: int | None = None


class HostRef(Schema):
    id: int
    name: str


class OfferOut(Schema):
    id: int
    host: HostRef
    kind: str
    kind_label: str
    title: str
    tasks: str
    days_and_hours: str
    weekdays: list[str]
    min_hours_per_week: str | None
    minutes_first_time: int | None
    places: int
    taken: int
    places_free: int
    no_phone_work: bool
    quiet_room: bool
    works_alone: bool
    no_customer_contact: bool
    online_possible: bool
    starts_with_one_hour: bool
    accompaniment_possible: bool
    insured: bool
    paid: bool
    reward: str
    transport_note: str
    host_asks: str
    is_active: bool
    version: int


class OfferPage(PageOut):
    items: list[OfferOut]


class ProposeIn(Schema):
    offer_id: int | None = None
    proposed_on: str = ""


class MoveIn(Schema):
    stage: str = ""
    on: str = ""
    dispatch_id: int | None = None
    end_reason: str = ""
    end_note: str = ""
    version: int | None = None


class OfferRef(Schema):
    id: int
    title: str
    host: HostRef


class PlacementOut(Schema):
    id: int
    case_id: int
    offer: OfferRef
    stage: str
    stage_label: str
    proposed_on: date
    started_on: date | None
    ended_on: date | None
    end_reason: str
    end_reason_label: str
    end_note: str
    accompanying_dispatch_id: int | None
    version: int


class PlacementPage(PageOut):
    items: list[PlacementOut]


class EnrolmentIn(Schema):
    provider_id: int | None = None
    started_on: str = ""
    components: list[str] = []


class ExtensionIn(Schema):
    extended_until: str = ""
    extension_reason: str = ""
    extension_approved_by_id: int | None = None
    version: int | None = None


class EnrolmentOut(Schema):
    id: int
    case_id: int
    provider: OrganisationRef
    started_on: date
    components: list[str]
    ends_on: date
    extended_until: date | None
    limit: date
    extension_reason: str
    extension_approved_by: StaffRef | None
    ended_on: date | None
    version: int


# ---------------------------------------------------------------------------------------------
# Responses


def host_out(host: Host, editable: bool) -> HostOut:
    return HostOut(
        id=host.pk,
        owner=OrganisationRef(id=host.owner_id, name=host.owner.name),
        can_edit=editable,
        name=host.name,
        kind=host.kind,
        kind_label=host.get_kind_display(),
        status=host.status,
        status_label=host.get_status_display(),
        shared_in_prefecture=host.shared_in_prefecture,
        postal_code=host.postal_code,
        address=host.address,
        nearest_station=host.nearest_station,
        contact_name=host.contact_name,
        contact_phone=host.contact_phone,
        contact_email=host.contact_email,
        needs_and_worries=host.needs_and_worries,
        notes=host.notes,
        version=host.version,
    )


def with_taken(offers: QuerySet[Offer]) -> QuerySet[Offer]:
    """The offers with the places their active placements hold, counted in SQL."""
    return offers.annotate(taken=Count("placements", filter=Q(placements__stage__in=ACTIVE_STAGES)))


def offer_out(offer: Offer) -> OfferOut:
    taken: int = offer.taken  # type: ignore[attr-defined]
    hours = offer.min_hours_per_week
    return OfferOut(
        id=offer.pk,
        host=HostRef(id=offer.host_id, name=offer.host.name),
        kind=offer.kind,
        kind_label=offer.get_kind_display(),
        title=offer.title,
        tasks=offer.tasks,
        days_and_hours=offer.days_and_hours,
        weekdays=list(offer.weekdays or []),
        min_hours_per_week=None if hours is None else str(hours),
        minutes_first_time=offer.minutes_first_time,
        places=offer.places,
        taken=taken,
        places_free=offer.places_free(taken),
        **{name: getattr(offer, name) for name in Offer.CONDITION_FIELDS},
        paid=offer.paid,
        reward=offer.reward,
        transport_note=offer.transport_note,
        host_asks=offer.host_asks,
        is_active=offer.is_active,
        version=offer.version,
    )


def placement_out(placement: Placement) -> PlacementOut:
    offer = placement.offer
    return PlacementOut(
        id=placement.pk,
        case_id=placement.case_id,
        offer=OfferRef(
            id=offer.pk, title=offer.title, host=HostRef(id=offer.host_id, name=offer.host.name)
        ),
        stage=placement.stage,
        stage_label=placement.get_stage_display(),
        proposed_on=placement.proposed_on,
        started_on=placement.started_on,
        ended_on=placement.ended_on,
        end_reason=placement.end_reason,
        end_reason_label=placement.get_end_reason_display() if placement.end_reason else "",
        end_note=placement.end_note,
        accompanying_dispatch_id=placement.accompanying_dispatch_id,
        version=placement.version,
    )


def enrolment_out(enrolment: WorkReadinessEnrolment) -> EnrolmentOut:
    approver = enrolment.extension_approved_by
    return EnrolmentOut(
        id=enrolment.pk,
        case_id=enrolment.case_id,
        provider=OrganisationRef(id=enrolment.provider_id, name=enrolment.provider.name),
        started_on=enrolment.started_on,
        components=list(enrolment.components or []),
        ends_on=enrolment.ends_on,
        extended_until=enrolment.extended_until,
        limit=enrolment.limit,
        extension_reason=enrolment.extension_reason,
        extension_approved_by=staff_ref(approver) if approver else None,
        ended_on=enrolment.ended_on,
        version=enrolment.version,
    )


def _edit_data(initial: dict[str, Any], payload: Schema) -> dict[str, Any]:
    """A partial edit: the record's values, with the fields the body sent."""
    sent = payload.dict(exclude_unset=True, exclude={"version"})
    return {name: value for name, value in initial.items() if name != "version"} | sent


# ---------------------------------------------------------------------------------------------
# Hosts


@router.get(
    "/hosts",
    response={200: HostPage, 403: ErrorOut, 422: FormErrors},
    summary="見られる受入先（自分の機関の受入先と、県内で共有された受入先。ページ送り）",
)
def hosts_list(request: HttpRequest, page: Query[PageIn]) -> HostPage:
    """受入先は個人の記録ではないため、一覧の閲覧は監査に残しません（画面と同じ）。"""
    user = auth_user(request)
    require_right(user, READ_RIGHT, request=request)
    paged = paging(page)
    hosts, count = paged.rows(visible_hosts(user).order_by("name", "id"))
    editable = user.has_right(WRITE_RIGHT)
    items = [host_out(host, editable and host.is_owned_by(user)) for host in hosts]
    return HostPage(**paged.envelope(count, items))


@router.get(
    "/hosts/{host_id}",
    response={200: HostOut, 403: ErrorOut, 404: ErrorOut},
    summary="受入先1件（ほかの県の受入先や、共有されていない他機関の受入先は 404）",
)
def hosts_read(request: HttpRequest, host_id: int) -> HostOut:
    user = auth_user(request)
    host = load_host(request, user, host_id)
    return host_out(host, can_edit_host(user, host))


@router.post(
    "/hosts",
    response={201: HostOut, 403: ErrorOut, 422: FormErrors},
    summary="受入先を登録する（自分の機関が開拓した受入先）",
)
def hosts_create(request: HttpRequest, payload: HostIn) -> Status[Any]:
    user = auth_user(request)
    require_right(user, WRITE_RIGHT, request=request)
    form = without(HostForm(payload.dict()), "version")
    require_valid(form)
    with service_refusals():
        host = host_create(data=form.host_data(), by=user, request=request)
    return Status(201, host_out(visible_hosts(user).get(pk=host.pk), True))


@router.patch(
    "/hosts/{host_id}",
    response={200: HostOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="受入先を編集する（開拓した機関の職員だけ。ほかの機関は 403。version 必須）",
)
def hosts_update(request: HttpRequest, host_id: int, payload: HostEditIn) -> HostOut:
    """送った項目だけを変えます。ほかの機関の職員は画面の「変更を提案」から提案してください。"""
    user = auth_user(request)
    host = load_host(request, user, host_id, write=True)
    data = _edit_data(HostForm.initial_of(host), payload)
    form = without(HostForm(data), "version")
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        host_edit(host=host, data=form.host_data(), version=version, by=user, request=request)
    return host_out(visible_hosts(user).get(pk=host.pk), True)


# ---------------------------------------------------------------------------------------------
# Offers


@router.get(
    "/offers",
    response={200: OfferPage, 403: ErrorOut, 422: FormErrors},
    summary="見られる受入メニュー（受入先の名前順、ページ送り）",
)
def offers_list(request: HttpRequest, page: Query[PageIn]) -> OfferPage:
    user = auth_user(request)
    require_right(user, READ_RIGHT, request=request)
    paged = paging(page)
    ordered = with_taken(visible_offers(user)).order_by("host__name", "title", "id")
    offers, count = paged.rows(ordered)
    return OfferPage(**paged.envelope(count, [offer_out(offer) for offer in offers]))


@router.get(
    "/offers/{offer_id}",
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut},
    summary="受入メニュー1件（定員と参加・調整中の人数つき）",
)
def offers_read(request: HttpRequest, offer_id: int) -> OfferOut:
    user = auth_user(request)
    offer = load_offer(request, user, offer_id)
    return offer_out(with_taken(visible_offers(user)).get(pk=offer.pk))


@router.post(
    "/hosts/{host_id}/offers",
    response={201: OfferOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="受入メニューを登録する（受入先を開拓した機関の職員だけ）",
)
def offers_create(request: HttpRequest, host_id: int, payload: OfferIn) -> Status[Any]:
    user = auth_user(request)
    host = load_host(request, user, host_id, write=True)
    form = without(OfferForm(payload.dict()), "version")
    require_valid(form)
    with service_refusals():
        offer = offer_create(host=host, data=form.offer_data(), by=user, request=request)
    return Status(201, offer_out(with_taken(visible_offers(user)).get(pk=offer.pk)))


@router.patch(
    "/offers/{offer_id}",
    response={200: OfferOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="受入メニューを編集する（受入先を開拓した機関の職員だけ。version 必須）",
)
def offers_update(request: HttpRequest, offer_id: int, payload: OfferEditIn) -> OfferOut:
    """送った項目だけを変えます。定員は、参加・調整中の人数より少なくできません。"""
    user = auth_user(request)
    offer = load_offer(request, user, offer_id, write=True)
    data = _edit_data(OfferForm.initial_of(offer), payload)
    form = without(OfferForm(data), "version")
    require_valid(form)
    version = require_version(payload.version)
    with service_refusals():
        offer_edit(offer=offer, data=form.offer_data(), version=version, by=user, request=request)
    return offer_out(with_taken(visible_offers(user)).get(pk=offer.pk))


# ---------------------------------------------------------------------------------------------
# Placements


def placements_of(case_id: int) -> QuerySet[Placement]:
    return Placement.objects.filter(case_id=case_id).select_related("offer__host")


@router.get(
    "/cases/{case_id}/placements",
    response={200: PlacementPage, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="ケースの参加（提案日の新しい順、ページ送り）",
)
def placements_list(request: HttpRequest, case_id: int, page: Query[PageIn]) -> PlacementPage:
    case = load_case(request, case_id, right=Right.VIEW_PERSONAL_DATA, fields=PLACEMENT_LIST_FIELDS)
    paged = paging(page)
    listed, count = paged.rows(placements_of(case.pk).order_by("-proposed_on", "-id"))
    return PlacementPage(**paged.envelope(count, [placement_out(p) for p in listed]))


@router.post(
    "/cases/{case_id}/placements",
    response={201: PlacementOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="受入メニューへの参加を提案する",
)
def placements_propose(request: HttpRequest, case_id: int, payload: ProposeIn) -> Status[Any]:
    """受入メニューは見られるもの（`GET /offers`）から選びます。定員に達したメニューは、
    定員と参加中の人数を示して 422 です。"""
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA)
    offers = list(visible_offers(user).filter(pk=payload.offer_id or 0))
    form = ProposeForm(
        {"offer": payload.offer_id, "proposed_on": payload.proposed_on}, offers=offers
    )
    names = {"offer": "offer_id"}
    require_valid(form, names=names)
    with service_refusals(names):
        placement = placement_propose(
            case=case,
            offer=offers[0],
            proposed_on=form.cleaned_data["proposed_on"],
            by=user,
            request=request,
        )
    return Status(201, placement_out(placements_of(case.pk).get(pk=placement.pk)))


@router.post(
    "/placements/{placement_id}/stage",
    response={200: PlacementOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="参加の段階を進める（見学・初回（同行）・継続・終了。version 必須）",
)
def placements_set_stage(request: HttpRequest, placement_id: int, payload: MoveIn) -> PlacementOut:
    """段階は先へ進めるだけです。終了（`ended`）には理由（`end_reason`）が必要です。
    初回の同行は、このケースの派遣（`dispatch_id`）を指定できます。"""
    placement = load_placement(request, placement_id, write=True)
    data = payload.dict(exclude={"version", "dispatch_id"}) | {"dispatch": payload.dispatch_id}
    form = without(
        MoveForm(data, stages=next_stages(placement), dispatches=dispatch_choices(placement.case)),
        "version",
    )
    names = {"dispatch": "dispatch_id"}
    require_valid(form, names=names)
    version = require_version(payload.version)
    cleaned = form.cleaned_data
    with service_refusals(names):
        placement_move(
            placement=placement,
            stage=cleaned["stage"],
            on=cleaned["on"],
            version=version,
            end_reason=cleaned["end_reason"],
            end_note=cleaned["end_note"],
            dispatch=cleaned["dispatch"],
            by=auth_user(request),
            request=request,
        )
    return placement_out(placements_of(placement.case_id).get(pk=placement.pk))


# ---------------------------------------------------------------------------------------------
# 就労準備支援事業


def enrolment_by_pk(pk: int) -> WorkReadinessEnrolment:
    return WorkReadinessEnrolment.objects.select_related("provider", "extension_approved_by").get(
        pk=pk
    )


@router.get(
    "/enrolments/{enrolment_id}",
    response={200: EnrolmentOut, 403: ErrorOut, 404: ErrorOut},
    summary="就労準備支援事業の利用1件（利用期限と延長の記録つき）",
)
def enrolments_read(request: HttpRequest, enrolment_id: int) -> EnrolmentOut:
    return enrolment_out(load_enrolment(request, enrolment_id))


@router.post(
    "/cases/{case_id}/enrolments",
    response={201: EnrolmentOut, 403: ErrorOut, 404: ErrorOut, 422: FormErrors},
    summary="就労準備支援事業の利用を登録する（利用期限は開始日から1年）",
)
def enrolments_create(request: HttpRequest, case_id: int, payload: EnrolmentIn) -> Status[Any]:
    user = auth_user(request)
    case = load_case(request, case_id, right=Right.EDIT_PERSONAL_DATA, fields=ENROLMENT_FIELDS)
    data = payload.dict(exclude={"provider_id"}) | {"provider": payload.provider_id}
    form = EnrolmentForm(data, providers=provider_choices(user))
    names = {"provider": "provider_id"}
    require_valid(form, names=names)
    with service_refusals(names):
        enrolment = enrolment_create(case=case, data=form.cleaned_data, by=user, request=request)
    return Status(201, enrolment_out(enrolment_by_pk(enrolment.pk)))


@router.post(
    "/enrolments/{enrolment_id}/extension",
    response={200: EnrolmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="利用期限を延長する（例外に当たる事情と承認した職員が必要。version 必須）",
)
def enrolments_extend(
    request: HttpRequest, enrolment_id: int, payload: ExtensionIn
) -> EnrolmentOut:
    """省令の例外: ひきこもりの状態にあるなど、1年を超える支援が必要な事情
    （`extension_reason`）と、承認した職員（`extension_approved_by_id`、ケースの機関の職員）を
    記録します。どちらかが欠けると 422 です。"""
    enrolment = load_enrolment(request, enrolment_id, write=True)
    data = payload.dict(exclude={"version", "extension_approved_by_id"}) | {
        "extension_approved_by": payload.extension_approved_by_id
    }
    form = without(ExtensionForm(data, approvers=approver_choices(enrolment.case)), "version")
    names = {"extension_approved_by": "extension_approved_by_id"}
    require_valid(form, names=names)
    version = require_version(payload.version)
    cleaned = form.cleaned_data
    with service_refusals(names):
        enrolment_extend(
            enrolment=enrolment,
            extended_until=cleaned["extended_until"],
            reason=cleaned["extension_reason"],
            approved_by=cleaned["extension_approved_by"],
            version=version,
            by=auth_user(request),
            request=request,
        )
    return enrolment_out(enrolment_by_pk(enrolment.pk))
