"""The JSON API (/api/v1/). Every record goes through the same access functions as the pages."""

import json
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser

from accounts.access import get_for_user, page_for_user
from accounts.models import Organisation, User
from accounts.roles import Right
from accounts.staff.views import STAFF_FIELDS
from api.activities import router as activities_router
from api.assessments_plans import router as assessments_plans_router
from api.auth import PersonalTokenAuth, TokenThrottled, document_throttling, throttled_body
from api.cases import router as cases_router
from api.common import FormErrors, Refused
from api.consultations import router as consultations_router
from api.paging import PageIn, PageOut, paging
from api.participation import router as participation_router
from api.people import router as people_router
from api.referrals import router as referrals_router
from api.schemas import ErrorOut, MeOut, OrganisationOut, StaffOut

# These modules were one (api.cases); their OpenAPI operation ids stay as they were, since a
# client generated from the document names its methods after them.
SPLIT_FROM_CASES = {"api.consultations", "api.assessments_plans", "api.activities", "api.referrals"}


BODY_NOT_JSON = (
    "リクエストの本文を JSON として読めません。JSON のオブジェクト（{…}）を送ってください。"
)
BODY_NOT_OBJECT = "本文は JSON のオブジェクト（{…}）で送ってください。保存していません。"
UNAUTHENTICATED = "認証が必要です。有効なAPIトークンを送ってください。"


class BodyNotAnObject(ValueError):
    pass


class ObjectBodyParser(Parser):
    """Every request body of this API is a JSON object.

    A string, number or list would otherwise reach the schemas, which read attributes of
    whatever they are given: `"abc"` became an assessment with every field at its default.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body)
        if not isinstance(data, dict):
            raise BodyNotAnObject
        return data


# Answers every operation may give besides its own, written into the OpenAPI document.
COMMON_RESPONSES: dict[str, dict[str, Any]] = {
    "401": {"description": UNAUTHENTICATED},
    "400": {"description": BODY_NOT_JSON},
}


class TsunaguApi(NinjaAPI):
    def get_openapi_operation_id(self, operation: Operation) -> str:
        module = operation.view_func.__module__
        if module in SPLIT_FROM_CASES:
            module = "api.cases"
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, **kwargs: Any) -> OpenAPISchema:
        schema = super().get_openapi_schema(**kwargs)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for path in schema["paths"].values():
            for method, operation in path.items():
                responses = operation.setdefault("responses", {})
                if operation.get("security"):
                    responses.setdefault("401", {**COMMON_RESPONSES["401"], "content": error})
                if method in {"post", "put", "patch"}:
                    responses.setdefault("400", {**COMMON_RESPONSES["400"], "content": error})
        document_throttling(schema)
        return schema


api = TsunaguApi(
    title="tsunagu API",
    version="1",
    description="ひきこもり支援・重層的支援のための tsunagu の JSON API。"
    "個人用トークンを `Authorization: Bearer <token>` で送ってください。",
    auth=PersonalTokenAuth(),
    urls_namespace="api-v1",
    docs_url=None,  # the interactive docs page loads scripts from a CDN: not in closed networks
    parser=ObjectBodyParser(),
)


api.add_router("/", people_router)
# In the order of the OpenAPI document: intake, cases and what is recorded in them, referrals.
api.add_router("/", consultations_router)
api.add_router("/", cases_router)
api.add_router("/", assessments_plans_router)
api.add_router("/", activities_router)
api.add_router("/", referrals_router)
# 参加支援: hosts and offers, and the placements and enrolments of a case.
api.add_router("/", participation_router)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": "該当する記録がありません。"}, status=404)


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": UNAUTHENTICATED}, status=401)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals in Japanese: an unreadable body is 400, a non-object body 422."""
    if isinstance(exc.__cause__, BodyNotAnObject):
        body = {"detail": BODY_NOT_OBJECT, "errors": {"__all__": [BODY_NOT_OBJECT]}}
        return api.create_response(request, body, status=422)
    detail = BODY_NOT_JSON if exc.status_code == 400 else str(exc)
    return api.create_response(request, {"detail": detail}, status=exc.status_code)


@api.exception_handler(TokenThrottled)
def token_throttled(request: HttpRequest, exc: TokenThrottled) -> HttpResponse:
    response = api.create_response(request, throttled_body(exc), status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(NinjaValidationError)
def invalid_request(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """Malformed JSON or a value of the wrong type: 422 in the same shape as form errors."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        field = str(error.get("loc", ["?"])[-1])
        errors.setdefault(field, []).append("値の形式が正しくありません。")
    return api.create_response(
        request,
        {"detail": "入力内容を確認してください。保存していません。", "errors": errors},
        status=422,
    )


@api.exception_handler(Refused)
def refused(request: HttpRequest, exc: Refused) -> HttpResponse:
    """422 (input or a service's rule) or 409 (stale version), raised by api.common's helpers."""
    return api.create_response(request, exc.body, status=exc.status)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "権限がありません。"}, status=403)


def _organisation_out(organisation: Organisation) -> OrganisationOut:
    return OrganisationOut(
        id=organisation.pk,
        name=organisation.name,
        type=organisation.type,
        type_label=organisation.get_type_display(),
        operator_name=organisation.operator_name,
        local_government_code=organisation.local_government.code,
        local_government_name=organisation.local_government.name,
    )


def _staff_out(staff: User) -> StaffOut:
    return StaffOut(
        id=staff.pk,
        username=staff.username,
        display_name=staff.display_name,
        roles=sorted(staff.role_codes),
        is_active=staff.is_active,
    )


@api.get("/me", response=MeOut, summary="ログイン中の職員と所属・役割・権限")
def me(request: HttpRequest) -> MeOut:
    user: User = request.auth  # type: ignore[attr-defined]
    organisation = user.organisation
    return MeOut(
        id=user.pk,
        username=user.username,
        display_name=user.display_name,
        organisation=_organisation_out(organisation) if organisation else None,
        roles=sorted(user.role_codes),
        rights=sorted(user.rights),
    )


class OrganisationPage(PageOut):
    items: list[OrganisationOut]


class StaffPage(PageOut):
    items: list[StaffOut]


@api.get(
    "/organisations",
    response={200: OrganisationPage, 422: FormErrors},
    summary="同じ都道府県内の機関（ページ送り）",
)
def organisations(request: HttpRequest, page: Query[PageIn]) -> OrganisationPage:
    user: User = request.auth  # type: ignore[attr-defined]
    paged = paging(page)
    if user.organisation is None:
        return OrganisationPage(**paged.envelope(0, []))
    government = user.organisation.local_government
    prefecture_id = government.prefecture_id or government.pk
    queryset = (
        Organisation.objects.filter(
            Q(local_government_id=prefecture_id) | Q(local_government__prefecture_id=prefecture_id)
        )
        .select_related("local_government")
        .order_by("local_government__code", "name", "id")
    )
    listed, count = paged.rows(queryset)
    return OrganisationPage(**paged.envelope(count, [_organisation_out(o) for o in listed]))


@api.get(
    "/staff",
    response={200: StaffPage, 403: ErrorOut, 422: FormErrors},
    summary="所属機関の職員一覧（ページ送り）",
)
def staff_list(request: HttpRequest, page: Query[PageIn]) -> StaffPage:
    user: User = request.auth  # type: ignore[attr-defined]
    paged = paging(page)
    staff, count = page_for_user(
        user,
        User.objects.prefetch_related("staff_roles").order_by("username", "id"),
        right=Right.MANAGE_STAFF,
        request=request,
        fields=STAFF_FIELDS,
        offset=paged.offset,
        limit=paged.limit,
    )
    return StaffPage(**paged.envelope(count, [_staff_out(member) for member in staff]))


@api.get(
    "/staff/{staff_id}",
    response={200: StaffOut, 403: ErrorOut, 404: ErrorOut},
    summary="職員1名",
)
def staff_detail(request: HttpRequest, staff_id: int) -> StaffOut:
    user: User = request.auth  # type: ignore[attr-defined]
    staff = get_for_user(
        user,
        User.objects.prefetch_related("staff_roles"),
        staff_id,
        right=Right.MANAGE_STAFF,
        request=request,
        fields=STAFF_FIELDS,
    )
    return _staff_out(staff)
