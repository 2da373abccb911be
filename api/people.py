"""Persons and households in the JSON API: the same access functions, services and audit."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from accounts.access import (
    audit_list_read,
    get_for_user,
    own_organisation_id,
    page_for_user,
    require_right,
)
from accounts.models import User
from accounts.roles import Right
from api.paging import PageIn, PageOut, paging
from api.schemas import ErrorOut, FormErrors
from people.access import (
    DETAIL_FIELDS,
    IDENTITY_FIELDS,
    can_see_identity,
    person_for_edit,
    persons_for_search,
)
from people.duplicates import find_duplicates
from people.forms import HouseholdForm, PersonForm
from people.household_views import MEMBER_FIELDS
from people.models import Household, Person, RestrictionReason
from people.search import search_persons
from people.services import (
    RESTRICTION_FIELDS,
    household_create,
    person_create,
    person_update,
)
from tsunagu.versioning import StaleVersionError

router = Router(tags=["本人・世帯"])


class PersonIn(Schema):
    family_name: str = ""
    given_name: str = ""
    family_name_kana: str = ""
    given_name_kana: str = ""
    koseki_kana: str = ""
    alias: str = ""
    birth_date: str = ""
    estimated_age: int | None = None
    age_band: str = ""
    sex: str = "unknown"
    postal_code: str = ""
    address: str = ""
    address_detail: str = ""
    contact_preferences: list[str] = []
    phone_hours: str = ""
    contact_note: str = ""
    is_restricted: bool = False
    restriction_reason: str = ""
    phone: str = ""
    confirmed_new: bool = False


class PersonUpdateIn(Schema):
    """Only the fields sent are changed; a field left out keeps its value."""

    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    koseki_kana: str | None = None
    alias: str | None = None
    birth_date: str | None = None
    estimated_age: int | None = None
    age_band: str | None = None
    sex: str | None = None
    postal_code: str | None = None
    address: str | None = None
    address_detail: str | None = None
    contact_preferences: list[str] | None = None
    phone_hours: str | None = None
    contact_note: str | None = None
    # Refused here with a pointer to the restriction endpoint (never silently ignored or reset).
    is_restricted: bool | None = None
    restriction_reason: str | None = None
    version: int | None = None


RESTRICTION_ELSEWHERE = (
    "制限対象者の設定・解除はこの更新ではできません。POST /api/v1/persons/{id}/restriction で"
    "行ってください。"
)


class RestrictionIn(Schema):
    is_restricted: bool
    restriction_reason: str = ""
    # Lifting a restriction must be confirmed, as on the page.
    confirm_lift: bool = False
    version: int | None = None


class PersonOut(Schema):
    id: int
    restricted: bool
    family_name: str | None
    given_name: str | None
    family_name_kana: str | None
    given_name_kana: str | None
    alias: str | None
    label: str
    birth_date: date | None
    age: int | None
    age_label: str
    sex: str | None
    postal_code: str | None
    address: str | None
    merged_into: int | None
    version: int


class PersonDetailOut(PersonOut):
    """One person as read, created or updated: every editable field (null when hidden)."""

    koseki_kana: str | None
    estimated_age: int | None
    age_band: str | None
    address_detail: str | None
    contact_preferences: list[str] | None
    phone_hours: str | None
    contact_note: str | None
    restriction_reason: str | None


class SearchHitOut(Schema):
    person: PersonOut
    score: float


class DuplicateOut(Schema):
    person_id: int
    score: float
    level: str
    reasons: list[str]


class DuplicatesFound(Schema):
    detail: str
    duplicates: list[DuplicateOut]


class MemberOut(Schema):
    person: PersonOut
    relationship: str
    relationship_label: str
    joined_on: date | None
    left_on: date | None
    lives_together: bool
    is_key_contact: bool


class HouseholdIn(Schema):
    label: str
    postal_code: str = ""
    address: str = ""
    note: str = ""


class HouseholdOut(Schema):
    id: int
    label: str
    postal_code: str
    address: str
    version: int
    members: list[MemberOut] = []


def _user(request: HttpRequest) -> User:
    return request.auth  # type: ignore[attr-defined]


def person_out(person: Person, user: User) -> PersonOut:
    return PersonOut(**_person_fields(person, user))


def person_detail_out(person: Person, user: User) -> PersonDetailOut:
    identity = can_see_identity(user, person)
    fields: dict[str, Any] = {
        field: getattr(person, field) if identity else None for field in DETAIL_ONLY_FIELDS
    }
    return PersonDetailOut(**_person_fields(person, user), **fields)


# The editable fields that only the detail (one person) shows, besides those of the lists.
DETAIL_ONLY_FIELDS = (
    "koseki_kana",
    "estimated_age",
    "age_band",
    "address_detail",
    "contact_preferences",
    "phone_hours",
    "contact_note",
    "restriction_reason",
)


def _person_fields(person: Person, user: User) -> dict[str, Any]:
    identity = can_see_identity(user, person)
    hidden = None
    return {
        "id": person.pk,
        "restricted": person.is_restricted,
        "family_name": person.family_name if identity else hidden,
        "given_name": person.given_name if identity else hidden,
        "family_name_kana": person.family_name_kana if identity else hidden,
        "given_name_kana": person.given_name_kana if identity else hidden,
        "alias": person.alias if identity else hidden,
        "label": str(person) if identity else person.restricted_label,
        "birth_date": person.birth_date if identity else hidden,
        "age": person.age() if identity else hidden,
        "age_label": person.age_label() if identity else "—",
        "sex": person.sex if identity else hidden,
        "postal_code": person.postal_code if identity else hidden,
        "address": person.address if identity else hidden,
        "merged_into": person.merged_into_id,
        "version": person.version,
    }


def _form_errors(form: PersonForm | HouseholdForm) -> Status[FormErrors]:
    errors = {
        field: [str(message) for message in messages] for field, messages in form.errors.items()
    }
    return Status(
        422, FormErrors(detail="入力内容を確認してください。保存していません。", errors=errors)
    )


def _person_form_data(payload: PersonIn) -> dict[str, object]:
    data = payload.dict(exclude={"confirmed_new", "version"})
    data["contact_preferences"] = payload.contact_preferences
    return data


class SearchPage(PageOut):
    items: list[SearchHitOut]


@router.get(
    "/persons",
    response={200: SearchPage, 403: ErrorOut, 422: FormErrors},
    summary="本人・家族の検索（近い順、ページ送り）",
)
def persons_search(request: HttpRequest, page: Query[PageIn], q: str = "") -> SearchPage:
    """氏名・読み・仮名（漢字・ひらがな・カタカナ・半角カナ、1文字から）で探します。近い順。

    近い順の上位50件までを `offset`・`limit` でページ送りします（`count` はその件数）。"""
    user = _user(request)
    require_right(user, Right.VIEW_PERSONAL_DATA, request=request)
    paged = paging(page)
    query = q.strip()[:100]
    # Always the same ranked hits, whatever the page: the search's candidates depend on the
    # number of hits asked for, so asking for offset + limit would move hits between pages.
    hits = (
        search_persons(
            persons_for_search(user, Person.objects.current().prefetch_related("team")), query
        )
        if query
        else []
    )
    shown = paged.slice(hits)
    audit_list_read(
        user, [hit.person for hit in shown], model=Person, request=request, fields=IDENTITY_FIELDS
    )
    items = [SearchHitOut(person=person_out(hit.person, user), score=hit.score) for hit in shown]
    return SearchPage(**paged.envelope(len(hits), items))


@router.post(
    "/persons",
    response={201: PersonDetailOut, 403: ErrorOut, 409: DuplicatesFound, 422: FormErrors},
    summary="本人・家族の登録",
)
def persons_create(request: HttpRequest, payload: PersonIn) -> Status[Any]:
    """重複の可能性がある記録があれば 409 で示し、保存しません。

    別人と確かめたら `confirmed_new: true` を付けて送ると登録します。
    """
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    form = PersonForm(_person_form_data(payload))
    if not form.is_valid():
        return _form_errors(form)
    data = {field: form.cleaned_data[field] for field in PersonForm.Meta.fields}
    organisation_id = own_organisation_id(user)
    candidate = Person(organisation_id=organisation_id, **data)
    candidate.refresh_keys()
    phone = form.cleaned_data.get("phone", "")
    phones = {"".join(ch for ch in phone if ch.isdigit())} if phone else set()
    # Restricted persons off the caller's team are never proposed: a 409 would confirm them.
    scope = persons_for_search(user, Person.objects.current())
    duplicates = find_duplicates(candidate, phones, scope)
    if duplicates and not payload.confirmed_new:
        audit_list_read(
            user,
            [d.person for d in duplicates],
            model=Person,
            request=request,
            fields=IDENTITY_FIELDS,
        )
        return Status(
            409,
            DuplicatesFound(
                detail="同じ人がすでに登録されているかもしれません。保存していません。",
                duplicates=[
                    DuplicateOut(
                        person_id=d.person.pk, score=d.score, level=d.level, reasons=list(d.reasons)
                    )
                    for d in duplicates
                ],
            ),
        )
    person, _ = person_create(
        organisation_id=organisation_id, data=data, phone=phone, by=user, request=request
    )
    return Status(201, person_detail_out(person, user))


@router.get(
    "/persons/{person_id}",
    response={200: PersonDetailOut, 403: ErrorOut, 404: ErrorOut},
    summary="本人・家族1名",
)
def persons_read(request: HttpRequest, person_id: int) -> PersonDetailOut:
    user = _user(request)
    person = get_for_user(
        user,
        Person.objects.prefetch_related("team"),
        person_id,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=DETAIL_FIELDS,
    )
    return person_detail_out(person, user)


@router.patch(
    "/persons/{person_id}",
    response={200: PersonDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="本人・家族の更新（送った項目だけ・version 必須）",
)
def persons_update(request: HttpRequest, person_id: int, payload: PersonUpdateIn) -> Status[Any]:
    """送った項目だけを変更します。送らなかった項目はそのままです。

    読んだときの `version` を送ります。その後に他の人が更新していれば 409 で、保存しません。
    制限対象者の設定・解除は `POST /persons/{id}/restriction` で行います（ここでは 422）。
    """
    user = _user(request)
    person = person_for_edit(request, person_id)
    sent = payload.dict(exclude_unset=True, exclude={"version"})
    if any(field in sent for field in RESTRICTION_FIELDS):
        errors = {field: [RESTRICTION_ELSEWHERE] for field in RESTRICTION_FIELDS if field in sent}
        return Status(422, FormErrors(detail="制限は変更していません。", errors=errors))
    if payload.version is None:
        return Status(422, FormErrors(detail="保存していません。", errors=_MISSING_VERSION))
    form = PersonForm(_merged_form_data(person, sent), instance=person)
    if not form.is_valid():
        return _form_errors(form)
    # The form may fill these from what was sent (the address from a postal code).
    changed = set(sent) | {"address", "age_band"}
    data = {field: form.cleaned_data[field] for field in PersonForm.Meta.fields if field in changed}
    return _saved(request, user, person, data=data, version=payload.version)


@router.post(
    "/persons/{person_id}/restriction",
    response={200: PersonDetailOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: FormErrors},
    summary="制限対象者の設定・解除（version 必須）",
)
def persons_restriction(
    request: HttpRequest, person_id: int, payload: RestrictionIn
) -> Status[Any]:
    """DV・虐待などで制限対象者にする（理由が必要）か、解除します（`confirm_lift: true` が必要）。

    担当チーム以外の職員には氏名などが表示されなくなります。変更は監査ログに記録されます。
    """
    user = _user(request)
    person = person_for_edit(request, person_id)
    if payload.version is None:
        return Status(422, FormErrors(detail="保存していません。", errors=_MISSING_VERSION))
    data: dict[str, Any] = {"is_restricted": payload.is_restricted}
    if payload.is_restricted or payload.restriction_reason:
        data["restriction_reason"] = payload.restriction_reason
    if data.get("restriction_reason") not in (None, "", *RestrictionReason.values):
        errors = {"restriction_reason": [RESTRICTION_REASON_UNKNOWN]}
        return Status(422, FormErrors(detail="保存していません。", errors=errors))
    return _saved(
        request, user, person, data=data, version=payload.version, confirm=payload.confirm_lift
    )


_MISSING_VERSION = {"version": ["読み込んだときの version を送ってください。"]}
RESTRICTION_REASON_UNKNOWN = "制限の理由が選択肢にありません。"


def _merged_form_data(person: Person, sent: dict[str, Any]) -> dict[str, Any]:
    """The person's current values with the sent ones on top, as a page form would post them."""
    current = PersonForm(instance=person)
    data: dict[str, Any] = {
        name: current[name].value() for name in PersonForm.Meta.fields if name in current.fields
    }
    data["birth_date"] = person.birth_date.isoformat() if person.birth_date else ""
    for name, value in sent.items():
        data[name] = "" if value is None and name != "contact_preferences" else value
    data["contact_preferences"] = data.get("contact_preferences") or []
    data["estimated_age"] = "" if data.get("estimated_age") is None else data["estimated_age"]
    return data


def _saved(
    request: HttpRequest,
    user: User,
    person: Person,
    *,
    data: dict[str, Any],
    version: int,
    confirm: bool = False,
) -> Status[Any]:
    try:
        updated = person_update(
            person=person,
            data=data,
            version=version,
            by=user,
            request=request,
            confirm_lift_restriction=confirm,
        )
    except StaleVersionError as error:
        return Status(409, ErrorOut(detail=str(error)))
    except ValidationError as error:
        errors = {field: list(messages) for field, messages in error.message_dict.items()}
        return Status(422, FormErrors(detail="保存していません。", errors=errors))
    return Status(200, person_detail_out(updated, user))


def household_out(household: Household, user: User, *, members: bool) -> HouseholdOut:
    return HouseholdOut(
        id=household.pk,
        label=household.label,
        postal_code=household.postal_code,
        address=household.address,
        version=household.version,
        members=[
            MemberOut(
                person=person_out(m.person, user),
                relationship=m.relationship,
                relationship_label=m.get_relationship_display(),
                joined_on=m.joined_on,
                left_on=m.left_on,
                lives_together=m.lives_together,
                is_key_contact=m.is_key_contact,
            )
            for m in household.memberships.all()
        ]
        if members
        else [],
    )


class HouseholdPage(PageOut):
    items: list[HouseholdOut]


@router.get(
    "/households",
    response={200: HouseholdPage, 403: ErrorOut, 422: FormErrors},
    summary="世帯の一覧（名前の順、ページ送り）",
)
def households_list(request: HttpRequest, page: Query[PageIn]) -> HouseholdPage:
    user = _user(request)
    paged = paging(page)
    households, count = page_for_user(
        user,
        Household.objects.order_by("label", "id"),
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=("label",),
        offset=paged.offset,
        limit=paged.limit,
    )
    items = [household_out(household, user, members=False) for household in households]
    return HouseholdPage(**paged.envelope(count, items))


@router.post(
    "/households",
    response={201: HouseholdOut, 403: ErrorOut, 422: FormErrors},
    summary="世帯の登録",
)
def households_create(request: HttpRequest, payload: HouseholdIn) -> Status[Any]:
    user = _user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    form = HouseholdForm(payload.dict())
    if not form.is_valid():
        return _form_errors(form)
    data = {field: form.cleaned_data[field] for field in HouseholdForm.Meta.fields}
    household = household_create(
        organisation_id=own_organisation_id(user), data=data, by=user, request=request
    )
    return Status(201, household_out(household, user, members=False))


@router.get(
    "/households/{household_id}",
    response={200: HouseholdOut, 403: ErrorOut, 404: ErrorOut},
    summary="世帯と世帯員",
)
def households_read(request: HttpRequest, household_id: int) -> HouseholdOut:
    user = _user(request)
    household = get_for_user(
        user,
        Household.objects.prefetch_related("memberships__person__team"),
        household_id,
        right=Right.VIEW_PERSONAL_DATA,
        request=request,
        fields=MEMBER_FIELDS,
    )
    return household_out(household, user, members=True)
