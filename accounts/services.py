"""Writes that touch staff and their roles, each atomic with its audit row."""

from collections.abc import Iterable

from django.db import transaction
from django.http import HttpRequest

from accounts.models import StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record


class StaleVersionError(Exception):
    """The record changed since the form was opened; nothing was saved."""


def staff_version(staff: User) -> str:
    """A fingerprint of what the roles form edits, for optimistic locking."""
    return f"{int(staff.is_active)}:" + ",".join(sorted(staff.role_codes))


def staff_set_roles(
    *,
    staff: User,
    roles: Iterable[str],
    is_active: bool,
    version: str,
    by: User,
    request: HttpRequest | None = None,
) -> User:
    wanted = {Role(role).value for role in roles}
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk)
        if staff_version(current) != version:
            raise StaleVersionError("ほかの人が先に更新しました。最新の内容を確認してください。")
        changed = []
        if wanted != set(current.role_codes):
            StaffRole.objects.filter(user=current).exclude(role__in=wanted).delete()
            for role in wanted - set(current.role_codes):
                StaffRole.objects.create(user=current, role=role)
            changed.append("roles")
        if current.is_active != is_active:
            current.is_active = is_active
            current.save(update_fields=["is_active"])
            changed.append("is_active")
        if changed:
            audit_record(
                action=AuditEvent.Action.UPDATE,
                actor=by,
                request=request,
                obj=current,
                fields=changed,
            )
    return User.objects.prefetch_related("staff_roles").get(pk=staff.pk)
