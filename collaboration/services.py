"""Writes to the agency directory (地域資源), each atomic with its audit row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest

from accounts.models import LocalGovernment, User
from audit.models import AuditEvent
from audit.services import audit_record
from collaboration.models import Agency

AGENCY_FIELDS = ("name", "category", "address", "phone", "hours", "area", "note")


def agency_create(
    *,
    data: dict[str, Any],
    local_government: LocalGovernment,
    by: User,
    request: HttpRequest | None = None,
) -> Agency:
    """Add an agency to a local government's directory, where its name is not yet.

    `data` holds checked values (a form's `cleaned_data`); only the directory's fields are used.
    The directory is not personal data; the addition is still audited, with field names only.
    """
    values = {name: data[name] for name in AGENCY_FIELDS if name in data}
    name = values.get("name", "")
    with transaction.atomic():
        if Agency.objects.filter(local_government=local_government, name=name).exists():
            raise ValidationError(
                {"name": f"「{name}」はすでに{local_government.name}の地域資源に登録されています。"}
            )
        agency = Agency.objects.create(local_government=local_government, **values)
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=agency,
            fields=["local_government", *(name for name, value in values.items() if value)],
        )
    return agency
