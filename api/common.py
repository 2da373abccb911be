"""What the API's feature modules share.

- The token's user, and the references to staff and agencies that many responses embed.
- Refusals in one shape: `Refused` carries the response (422 `FormErrors` or 409 `ErrorOut`) and
  `api.views` answers it, so that an endpoint reads: access function, form, service, response.
- Input is read with the pages' forms wherever the API takes the same fields, so that it is
  parsed and refused alike; the rules are the services', with their messages. A form of the API's
  own (`japanese`) has the pages' kind of messages and refuses control characters alike.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Schema

from accounts.access import get_for_user, own_organisation_id, require_right
from accounts.models import User
from accounts.roles import ROLE_RIGHTS, Right
from api.schemas import FormErrors
from collaboration.models import Agency
from people.models import Household
from tsunagu.forms import japanese_messages
from tsunagu.validation import reject_control_characters, reject_control_characters_keep_lines
from tsunagu.versioning import StaleVersionError

__all__ = ["FormErrors"]  # re-exported: the 422 schema, shared by every module

# The OpenAPI tag of consultations, cases and referrals (one group, as before the split).
TAGS = ["相談・ケース・つなぎ"]
INVALID = "入力内容を確認してください。保存していません。"
MISSING_VERSION = "読み込んだときの version を送ってください。"

# Roles that work with personal records: the staff who can lead a case or take part in it.
WORKER_ROLES = [
    role.value for role, rights in ROLE_RIGHTS.items() if Right.VIEW_PERSONAL_DATA in rights
]


def auth_user(request: HttpRequest) -> User:
    """The owner of the request's API token."""
    return request.auth  # type: ignore[attr-defined]


def editor(request: HttpRequest) -> User:
    """The token's user, who must hold the right to write personal records (403 otherwise)."""
    user = auth_user(request)
    require_right(user, Right.EDIT_PERSONAL_DATA, request=request)
    return user


def household_to_edit(user: User, household_id: int, request: HttpRequest) -> Household:
    return get_for_user(
        user,
        Household.objects.all(),
        household_id,
        right=Right.EDIT_PERSONAL_DATA,
        request=request,
        fields=("label",),
    )


# ---------------------------------------------------------------------------------------------
# Refusals


class Refused(Exception):
    """A request refused before or by a service; `api.views` sends `body` with `status`."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def unprocessable(errors: dict[str, list[str]]) -> Refused:
    """422: the non-field message when there is one (it says what to do), else the general one."""
    detail = " ".join(errors.get("__all__", [])) or INVALID
    return Refused(422, {"detail": detail, "errors": errors})


def refuse(errors: dict[str, list[str]]) -> None:
    """422 when any input was refused."""
    if errors:
        raise unprocessable(errors)


def form_errors(
    form: forms.BaseForm, prefix: str = "", names: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """The form's refusals per field (none when it is valid), named as in the request body
    (`names`: the body's name of a page form's field)."""
    errors: dict[str, list[str]] = {}
    for field, messages in form.errors.items():
        key = (names or {}).get(field, field)
        if prefix:
            key = prefix if field == "__all__" else f"{prefix}.{key}"
        errors[key] = [str(message) for message in messages]
    return errors


def require_valid(form: forms.BaseForm, names: Mapping[str, str] | None = None) -> None:
    refuse(form_errors(form, names=names))


def without[F: forms.BaseForm](form: F, *names: str) -> F:
    """A page's form without the fields the API reads apart (such as `version`)."""
    for name in names:
        del form.fields[name]
    return form


def require_version(version: int | None) -> int:
    """The version the client read: edits of versioned records must send it."""
    if version is None:
        raise unprocessable({"version": [MISSING_VERSION]})
    return version


def service_errors(
    error: ValidationError, names: Mapping[str, str] | None = None
) -> dict[str, list[str]]:
    """A service's ValidationError as per-field messages, named as in the request body."""
    names = names or {}
    if hasattr(error, "error_dict"):
        return {names.get(field, field): messages for field, messages in error.message_dict.items()}
    return {"__all__": list(error.messages)}


@contextmanager
def service_refusals(names: Mapping[str, str] | None = None) -> Iterator[None]:
    """A service's refusal as the response: a stale version is 409, a broken rule 422."""
    try:
        yield
    except StaleVersionError as error:
        raise Refused(409, {"detail": str(error)}) from error
    except ValidationError as error:
        raise unprocessable(service_errors(error, names)) from error


# ---------------------------------------------------------------------------------------------
# Input forms


def japanese(form: forms.BaseForm) -> None:
    """For a form of the API's own: the pages' messages that name the field, and their refusal
    of control characters (free text may have line breaks and tabs)."""
    japanese_messages(form)
    for field in form.fields.values():
        if not isinstance(field, forms.CharField):
            continue
        free_text = isinstance(field.widget, forms.Textarea)
        validator = reject_control_characters_keep_lines if free_text else reject_control_characters
        if validator not in field.validators:
            field.validators.append(validator)


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset  # type: ignore[type-arg]


def not_future_day(value: date | None) -> date | None:
    if value and value > timezone.localdate():
        raise forms.ValidationError("未来の日付は入力できません。")
    return value


def workers(user: User) -> QuerySet[User]:
    """Active staff of the user's organisation who work with personal records."""
    return (
        User.objects.filter(
            organisation_id=own_organisation_id(user),
            is_active=True,
            staff_roles__role__in=WORKER_ROLES,
        )
        .distinct()
        .order_by("username")
    )


# ---------------------------------------------------------------------------------------------
# References embedded in responses


class StaffRef(Schema):
    id: int
    display_name: str


class AgencyRef(Schema):
    id: int
    name: str
    category: str
    category_label: str


def staff_ref(staff: User) -> StaffRef:
    return StaffRef(id=staff.pk, display_name=staff.display_name)


def agency_ref(agency: Agency) -> AgencyRef:
    return AgencyRef(
        id=agency.pk,
        name=agency.name,
        category=agency.category,
        category_label=agency.get_category_display(),
    )
