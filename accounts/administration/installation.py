"""The first start of an installation: its local government, first organisation, first
administrator — all or nothing, audited, and only once (`manage.py setup_installation`).

The administrator gets no password: the command prints a one-time link (Django's password reset
token: it works once, since it covers the password hash and the last login, and ends after
PASSWORD_RESET_TIMEOUT) on which they set their own. The first login then asks for the second
factor (the sign-in part).
"""

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.administration import services
from accounts.models import LocalGovernment, Organisation, StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import audit_record

ALREADY_SET_UP_MESSAGE = (
    "この環境にはすでに管理者がいます。setup_installation は最初の一度だけ使えます。"
    "機関や職員の追加は、管理者が画面（機関・契約の管理、職員管理）から行ってください。"
)
PREFECTURE_NEEDED_MESSAGE = "市区町村で始めるときは、その都道府県のコードと名称も指定してください。"
EXISTING_CODE_OTHER_NAME_MESSAGE = (
    "全国地方公共団体コード %(code)s は「%(existing)s」として登録済みです（指定: %(name)s）。"
)
USERNAME_TAKEN_MESSAGE = "ユーザー名 %(username)s はすでに使われています。"
INSTALLATION_REASON = "setup_installation"


@dataclass(frozen=True)
class GovernmentInput:
    kind: str
    code: str
    name: str


@dataclass(frozen=True)
class InstallationInput:
    """What the command was given: the local government (and, for a municipality, its
    prefecture), the first organisation's fields, the first administrator."""

    government: GovernmentInput
    prefecture: GovernmentInput | None
    organisation: dict[str, Any] = field(default_factory=dict)
    username: str = ""
    display_name: str = ""


@dataclass(frozen=True)
class Installation:
    government: LocalGovernment
    organisation: Organisation
    administrator: User


def has_administrator() -> bool:
    return StaffRole.objects.filter(role=Role.ADMINISTRATOR).exists()


def installation_setup(given: InstallationInput) -> Installation:
    """Create everything or nothing; refused when the database already has an administrator."""
    with transaction.atomic():
        if has_administrator():
            raise ValidationError(ALREADY_SET_UP_MESSAGE)
        government = _government(given)
        organisation = services.organisation_create(
            data={**given.organisation, "local_government": government, "is_active": True},
            by=None,
        )
        administrator = _administrator(given, organisation)
        audit_record(
            action=AuditEvent.Action.CREATE,
            object_type="accounts.installation",
            object_id=organisation.pk,
            organisation_id=organisation.pk,
            detail={
                "reason": INSTALLATION_REASON,
                "local_government": government.pk,
                "administrator": administrator.pk,
            },
        )
    return Installation(government, organisation, administrator)


def _government(given: InstallationInput) -> LocalGovernment:
    if given.government.kind == LocalGovernment.Kind.PREFECTURE:
        return _existing_or_new(given.government, prefecture=None)
    if given.prefecture is None:
        raise ValidationError({"prefecture": PREFECTURE_NEEDED_MESSAGE})
    prefecture = _existing_or_new(
        GovernmentInput(
            LocalGovernment.Kind.PREFECTURE, given.prefecture.code, given.prefecture.name
        ),
        prefecture=None,
    )
    return _existing_or_new(given.government, prefecture=prefecture)


def _existing_or_new(
    given: GovernmentInput, *, prefecture: LocalGovernment | None
) -> LocalGovernment:
    """A government already on file under the code is used when its name agrees (a second
    municipality of a prefecture set up before); otherwise a new one is registered."""
    existing = LocalGovernment.objects.filter(code=given.code).first()
    if existing is not None:
        if existing.name != given.name or existing.kind != given.kind:
            raise ValidationError(
                {
                    "code": ValidationError(
                        EXISTING_CODE_OTHER_NAME_MESSAGE,
                        params={"code": given.code, "existing": existing.name, "name": given.name},
                    )
                }
            )
        return existing
    government = LocalGovernment(
        code=given.code, name=given.name, kind=given.kind, prefecture=prefecture
    )
    return services.local_government_register(government=government, by=None)


def _administrator(given: InstallationInput, organisation: Organisation) -> User:
    if User.objects.filter(username=given.username).exists():
        raise ValidationError(
            {
                "username": ValidationError(
                    USERNAME_TAKEN_MESSAGE, params={"username": given.username}
                )
            }
        )
    administrator = User(
        username=given.username, display_name=given.display_name, organisation=organisation
    )
    administrator.set_unusable_password()
    administrator.full_clean(exclude=["password"], validate_unique=False)
    administrator.save()
    StaffRole.objects.create(user=administrator, role=Role.ADMINISTRATOR)
    audit_record(
        action=AuditEvent.Action.CREATE,
        obj=administrator,
        organisation_id=organisation.pk,
        detail={"roles": [Role.ADMINISTRATOR.value], "reason": INSTALLATION_REASON},
    )
    return administrator


def set_password_path(user: User) -> str:
    """The path of the one-time link on which `user` sets their password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("password_set", args=[uid, default_token_generator.make_token(user)])
