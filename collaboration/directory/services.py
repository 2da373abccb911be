"""The agency directory (地域資源): who sees which agencies, and additions with their audit row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.models import LocalGovernment, User
from audit.models import AuditEvent
from audit.services import audit_record
from collaboration.models import Agency

AGENCY_FIELDS = ("name", "category", "address", "phone", "hours", "area", "note")


def directory_for(user: User, *, query: str = "", category: str = "") -> QuerySet[Agency]:
    """The agencies a user works with: those of their municipality and its prefecture; for an
    organisation of a prefecture (the prefectural centre), the whole prefecture's. `query` looks
    in the name, the area served and the address; `category` is a Table C agency type.

    The one rule for every door: the directory, referral and plan pages, the intake, the API.
    """
    organisation = user.organisation
    if organisation is None:
        return Agency.objects.none()
    government = organisation.local_government
    if government.kind == LocalGovernment.Kind.PREFECTURE:
        scope = Q(local_government=government) | Q(local_government__prefecture=government)
    else:
        scope = Q(local_government=government)
        if government.prefecture_id:
            scope |= Q(local_government_id=government.prefecture_id)
    agencies = Agency.objects.filter(scope).select_related("local_government")
    if query := query.strip()[:100]:
        agencies = agencies.filter(
            Q(name__icontains=query) | Q(area__icontains=query) | Q(address__icontains=query)
        )
    if category:
        agencies = agencies.filter(category=category)
    return agencies


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
