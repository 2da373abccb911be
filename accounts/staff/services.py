"""Creating staff accounts (one, or many from a file at once) and inviting them to sign in.

A new account has no password: the administrator sends it a one-time invitation link
(`StaffInvitation`, TSUNAGU_INVITE_HOURS), and the staff member sets the password there under the
password validators. Only the digest of the link's token is stored, and no audit row names it.
Each write is atomic with its audit row. A refusal is a `ValidationError` whose message is one of
the constants below, at the field it concerns.
"""

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import StaffInvitation, StaffRole, User
from accounts.roles import Role
from audit.models import AuditEvent
from audit.services import AuditEntry, audit_record, audit_records

DUPLICATE_USERNAME = (
    "ユーザー名「{username}」はすでに使われています。別のユーザー名にしてください。"
)
DUPLICATE_IN_FILE = "ユーザー名「{username}」は{line}行目にもあります。1人1行にしてください。"
USERNAME_REQUIRED = "ユーザー名を入力してください。"
USERNAME_INVALID = (
    "ユーザー名には半角の英数字と「@ . + - _」だけを、{limit}文字以内で使ってください。"
)
DISPLAY_NAME_REQUIRED = "氏名を入力してください。"
DISPLAY_NAME_TOO_LONG = "氏名は{limit}文字以内で入力してください。"
ROLES_REQUIRED = "役割を1つ以上選んでください。"
UNKNOWN_ROLE = "役割「{role}」はありません。使える役割: {known}"
INVITE_INACTIVE = "利用を停止している職員は招待できません。先に利用を再開してください。"
ALREADY_SIGNED_UP = (
    "{staff} さんはすでにパスワードを設定しています。"
    "招待はパスワードをまだ設定していない職員にだけ送れます。"
)
INVITATION_UNUSABLE = (
    "この招待リンクは使えません（使用済みか、有効期限が切れています）。"
    "所属機関の管理者に、新しい招待リンクを発行してもらってください。"
)
ROLE_SEPARATORS = re.compile(r"[・、,，/／\s]+")
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9@.+\-_]+$")


@dataclass(frozen=True)
class NewStaff:
    """What an administrator gives for a new account (the page's form or one row of a file)."""

    username: str
    display_name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class RowProblem:
    """One refused value of an imported file: its row (行, the header is row 1) and column."""

    line: int
    column: str
    message: str


class RowsRefused(Exception):
    """An import refused as a whole; `problems` says which row and column, and why."""

    def __init__(self, problems: list[RowProblem]) -> None:
        super().__init__(f"{len(problems)} 件の問題")
        self.problems = problems


def staff_create(
    *, organisation_id: int, new: NewStaff, by: User, request: HttpRequest | None = None
) -> User:
    """A new account of the administrator's organisation, without a password (invite it)."""
    problems = new_staff_problems(new)
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        if username_taken(new.username):
            raise ValidationError({"username": DUPLICATE_USERNAME.format(username=new.username)})
        (user,) = _create_accounts(organisation_id, [new], by=by, request=request)
    return user


def staff_create_many(
    *,
    organisation_id: int,
    rows: Sequence[tuple[int, NewStaff]],
    by: User,
    request: HttpRequest | None = None,
) -> list[User]:
    """Every row of a file, or none: any problem refuses the whole file (RowsRefused)."""
    with transaction.atomic():
        problems = import_problems(rows)
        if problems:
            raise RowsRefused(problems)
        return _create_accounts(organisation_id, [new for _, new in rows], by=by, request=request)


def import_problems(rows: Sequence[tuple[int, NewStaff]]) -> list[RowProblem]:
    """Every problem of the rows, each at its row and column: missing or invalid values, unknown
    roles, a username twice in the file or already in use."""
    problems: list[RowProblem] = []
    first_line: dict[str, int] = {}
    for line, new in rows:
        for column, message in new_staff_problems(new).items():
            problems.append(RowProblem(line, COLUMN_OF_FIELD[column], message))
        key = new.username.lower()
        if key and key in first_line:
            message = DUPLICATE_IN_FILE.format(username=new.username, line=first_line[key])
            problems.append(RowProblem(line, "ユーザー名", message))
        first_line.setdefault(key, line)
    taken = taken_usernames([new.username for _, new in rows])
    for line, new in rows:
        if new.username.lower() in taken:
            message = DUPLICATE_USERNAME.format(username=new.username)
            problems.append(RowProblem(line, "ユーザー名", message))
    return sorted(problems, key=lambda problem: problem.line)


# The import's columns, by the field of NewStaff they give.
COLUMN_OF_FIELD = {"username": "ユーザー名", "display_name": "氏名", "roles": "役割"}


def new_staff_problems(new: NewStaff) -> dict[str, str]:
    """What is wrong with the values of one new account, by field (the uniqueness of the
    username is checked against the database separately)."""
    problems: dict[str, str] = {}
    limit = User._meta.get_field("username").max_length or 150
    if not new.username:
        problems["username"] = USERNAME_REQUIRED
    elif len(new.username) > limit or not USERNAME_PATTERN.match(new.username):
        problems["username"] = USERNAME_INVALID.format(limit=limit)
    name_limit = User._meta.get_field("display_name").max_length or 100
    if not new.display_name:
        problems["display_name"] = DISPLAY_NAME_REQUIRED
    elif len(new.display_name) > name_limit:
        problems["display_name"] = DISPLAY_NAME_TOO_LONG.format(limit=name_limit)
    if not new.roles:
        problems["roles"] = ROLES_REQUIRED
    else:
        unknown = [role for role in new.roles if role not in Role.values]
        if unknown:
            problems["roles"] = UNKNOWN_ROLE.format(role="」「".join(unknown), known=known_roles())
    return problems


def known_roles() -> str:
    return "、".join(str(role.label) for role in Role)


def roles_from_text(text: str) -> tuple[str, ...]:
    """「相談支援員・管理者」 → the role codes; a name that is no role is kept as typed, so that
    the row is refused naming it. Labels and codes are both accepted."""
    by_label = {str(role.label): role.value for role in Role}
    names = [name for name in ROLE_SEPARATORS.split(text.strip()) if name]
    return tuple(dict.fromkeys(by_label.get(name, name) for name in names))


def username_taken(username: str) -> bool:
    # Usernames differing only in case are refused too: staff type them both ways at sign-in.
    return User.objects.filter(username__iexact=username).exists()


def taken_usernames(usernames: Iterable[str]) -> set[str]:
    """The lowercase usernames among `usernames` that an account already has (one query)."""
    wanted = {username.lower() for username in usernames if username}
    if not wanted:
        return set()
    found = (
        User.objects.annotate(username_lower=Lower("username"))
        .filter(username_lower__in=wanted)
        .values_list("username_lower", flat=True)
    )
    return set(found)


def _create_accounts(
    organisation_id: int, rows: Sequence[NewStaff], *, by: User, request: HttpRequest | None
) -> list[User]:
    users = []
    for new in rows:
        user = User(
            username=new.username, display_name=new.display_name, organisation_id=organisation_id
        )
        user.set_unusable_password()  # set by the staff member through the invitation
        user.save()
        StaffRole.objects.bulk_create([StaffRole(user=user, role=role) for role in new.roles])
        users.append(user)
    audit_records(
        [
            _creation_entry(user, new, by=by, request=request)
            for user, new in zip(users, rows, strict=True)
        ]
    )
    return users


def _creation_entry(
    user: User, new: NewStaff, *, by: User, request: HttpRequest | None
) -> AuditEntry:
    return AuditEntry(
        action=AuditEvent.Action.CREATE,
        actor=by,
        request=request,
        obj=user,
        fields=("username", "display_name", "roles"),
        detail={"roles": sorted(new.roles)},
    )


def invitation_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_invite(
    *, staff: User, by: User, request: HttpRequest | None = None
) -> tuple[StaffInvitation, str]:
    """A new one-time link for `staff` (the token, shown once); earlier links of the account end."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=staff.pk)
        if not current.is_active:
            raise ValidationError(INVITE_INACTIVE)
        if current.has_usable_password():
            raise ValidationError(ALREADY_SIGNED_UP.format(staff=current))
        now = timezone.now()
        StaffInvitation.objects.filter(
            user=current, used_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        invitation = StaffInvitation.objects.create(
            user=current, digest=invitation_digest(token), created_by=by
        )
        audit_record(
            action=AuditEvent.Action.CREATE,
            actor=by,
            request=request,
            obj=invitation,
            detail={"user": current.pk, "expires_at": invitation.expires_at.isoformat()},
        )
    return invitation, token


def usable_invitation(token: str) -> StaffInvitation:
    """The invitation of a link still usable, or the refusal (the same for used, expired or
    unknown, so that a link tells nothing about the accounts)."""
    invitation = (
        StaffInvitation.objects.select_related("user").filter(digest=invitation_digest(token))
    ).first()
    if invitation is None or not _invitation_open(invitation):
        raise ValidationError(INVITATION_UNUSABLE)
    return invitation


def invitation_accept(*, token: str, password: str, request: HttpRequest | None = None) -> User:
    """Set the invited account's password (validated) and use the link up, atomically."""
    with transaction.atomic():
        invitation = usable_invitation(token)
        invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
        user = User.objects.select_for_update().get(pk=invitation.user_id)
        if not _invitation_open(invitation, user):
            raise ValidationError(INVITATION_UNUSABLE)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        user.set_password(password)
        user.save(update_fields=["password"], ended_by=user, request=request)
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        audit_record(
            action=AuditEvent.Action.UPDATE,
            actor=user,
            request=request,
            obj=user,
            fields=["password"],
            detail={"reason": "invitation_accepted", "invitation": invitation.pk},
        )
    return user


def _invitation_open(invitation: StaffInvitation, user: User | None = None) -> bool:
    user = user or invitation.user
    return invitation.is_usable(timezone.now()) and user.is_active
