"""The agency directory (地域資源): who sees which agencies, additions with their audit row, and
corrections (訂正) with their previous version.

Who may add or correct an entry is one rule: staff with the right to edit records, for the
directory of their own municipality or its prefecture (`directory_local_governments`); a
prefectural organisation, for the prefecture's own entries.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest

from accounts.access import own_organisation_id
from accounts.models import LocalGovernment, User
from audit.models import AuditEvent
from audit.services import audit_record, audit_update, keep_previous_version
from collaboration.models import Agency
from tsunagu.versioning import versioned_edit

AGENCY_FIELDS = ("name", "category", "address", "phone", "hours", "area", "note")
# What a correction may change: the entry's own fields. Not its local government (the entry
# belongs to that directory), and not its link to an organisation using tsunagu: who receives a
# referral follows that link, so relinking would hand the referrals made to the entry (and the
# cases opened by accepted ones) to another organisation. Linking stays an administrator's act.
CORRECTABLE_FIELDS = AGENCY_FIELDS

STALE_AGENCY = "ほかの人が先にこの機関を訂正しました。"
AGENCY_NOT_CORRECTABLE = "機関の訂正では次の項目は直せません: {fields}"
AGENCY_NOT_EDITABLE = (
    "この機関を訂正できるのは、その地域（{government}）の地域資源を編集できる職員です。"
)
AGENCY_NAME_TAKEN = "「{name}」はすでに{government}の地域資源に登録されています。"
AGENCY_NAME_REQUIRED = "機関名を入力してください。"


def directory_local_governments(user: User) -> list[LocalGovernment]:
    """The directories `user` adds to and corrects: their municipality and its prefecture (a
    prefectural office: the prefecture)."""
    own_organisation_id(user)
    assert user.organisation is not None
    local_government = user.organisation.local_government
    governments = [local_government]
    if local_government.prefecture_id is not None:
        governments.append(local_government.prefecture)  # type: ignore[arg-type]
    return governments


def editable_government_ids(user: User) -> set[int]:
    """The ids of `directory_local_governments` (none without an organisation), for a list."""
    if user.organisation is None:
        return set()
    government = user.organisation.local_government
    return {government.pk} | ({government.prefecture_id} if government.prefecture_id else set())


def editable_agencies(user: User) -> QuerySet[Agency]:
    """The entries `user` may correct (none without an organisation)."""
    return Agency.objects.filter(
        local_government_id__in=editable_government_ids(user)
    ).select_related("local_government", "organisation")


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
                {"name": AGENCY_NAME_TAKEN.format(name=name, government=local_government.name)}
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


def agency_correct(
    *,
    agency: Agency,
    data: dict[str, Any],
    version: int,
    reason: str,
    by: User,
    request: HttpRequest | None = None,
) -> Agency:
    """Correct a directory entry (訂正) with a reason; the previous version is kept and shown.

    The same rule as adding one: staff of the entry's municipality or prefecture
    (`editable_agencies`), a name not yet in that directory. The organisation link is chosen among
    those of the entry's own area; the referrals made to the entry are then received by the
    organisation it names (`collaboration.referrals.access.received_by`).
    """
    keep = keep_previous_version(by=by, reason=reason)
    unknown = sorted(set(data) - set(CORRECTABLE_FIELDS))
    if unknown:
        raise ValidationError(AGENCY_NOT_CORRECTABLE.format(fields="、".join(unknown)))
    government = agency.local_government
    if not editable_agencies(by).filter(pk=agency.pk).exists():
        raise ValidationError(AGENCY_NOT_EDITABLE.format(government=government.name))
    errors = _correction_errors(agency, data)
    if errors:
        raise ValidationError(errors)
    with versioned_edit(
        Agency,
        pk=agency.pk,
        version=version,
        stale_message=STALE_AGENCY,
        audit=audit_update(actor=by, request=request),
        keep=keep,
    ) as edit:
        edit.change(data)
    return edit.record


def _correction_errors(agency: Agency, data: dict[str, Any]) -> dict[str, str]:
    government = agency.local_government
    errors: dict[str, str] = {}
    if "name" in data:
        name = str(data["name"]).strip()
        others = Agency.objects.filter(local_government=government, name=name).exclude(pk=agency.pk)
        if not name:
            errors["name"] = AGENCY_NAME_REQUIRED
        elif others.exists():
            errors["name"] = AGENCY_NAME_TAKEN.format(name=name, government=government.name)
    return errors
