"""Organisations (機関), their contracts, staff and their roles, API tokens."""

import hashlib
import secrets
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.codes import (
    MUNICIPALITY_CODE_MESSAGE,
    OUTSIDE_PREFECTURE_MESSAGE,
    PREFECTURE_CODE_MESSAGE,
    is_prefecture_code,
    prefecture_prefix,
    validate_local_government_code,
)
from accounts.roles import Right, Role, rights_of

MUNICIPALITY_NEEDS_PREFECTURE_MESSAGE = "市区町村には都道府県が必要です。"
PREFECTURE_HAS_NO_PREFECTURE_MESSAGE = "都道府県に上位の都道府県は設定できません。"
PHONE_MESSAGE = "電話番号は数字とハイフンで入力してください（例: 03-1234-5678）。"
CONTRACT_SCOPES_REQUIRED_MESSAGE = "委託先ができることを1つ以上選んでください。"
CONTRACT_SCOPE_UNKNOWN_MESSAGE = "委託先ができることに不明な項目があります: %(scope)s"


class LocalGovernment(models.Model):
    """A prefecture or a municipality (地方公共団体), identified by its national code."""

    class Kind(models.TextChoices):
        PREFECTURE = "prefecture", "都道府県"
        MUNICIPALITY = "municipality", "市区町村"

    code = models.CharField(
        "全国地方公共団体コード",
        max_length=6,
        unique=True,
        validators=[validate_local_government_code],
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("種別", max_length=20, choices=Kind)
    prefecture = models.ForeignKey(
        "self",
        verbose_name="都道府県",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="municipalities",
        limit_choices_to={"kind": "prefecture"},
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "地方公共団体"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """The kind, the code's parts and the prefecture agree (accounts.codes)."""
        if self.kind == self.Kind.MUNICIPALITY and self.prefecture_id is None:
            raise ValidationError({"prefecture": MUNICIPALITY_NEEDS_PREFECTURE_MESSAGE})
        if self.kind == self.Kind.PREFECTURE and self.prefecture_id is not None:
            raise ValidationError({"prefecture": PREFECTURE_HAS_NO_PREFECTURE_MESSAGE})
        if len(self.code or "") != 6:
            return  # the code's own validator says what is wrong with it
        if self.kind == self.Kind.PREFECTURE and not is_prefecture_code(self.code):
            raise ValidationError({"code": PREFECTURE_CODE_MESSAGE})
        if self.kind == self.Kind.MUNICIPALITY:
            self._clean_municipality_code()

    def _clean_municipality_code(self) -> None:
        if is_prefecture_code(self.code):
            raise ValidationError({"code": MUNICIPALITY_CODE_MESSAGE})
        prefecture = self.prefecture
        if prefecture is not None and prefecture_prefix(self.code) != prefecture_prefix(
            prefecture.code
        ):
            raise ValidationError(
                {
                    "code": ValidationError(
                        OUTSIDE_PREFECTURE_MESSAGE,
                        params={
                            "code_prefix": prefecture_prefix(self.code),
                            "prefecture": prefecture.name,
                            "prefecture_code": prefecture.code,
                        },
                    )
                }
            )


class OrganisationType(models.TextChoices):
    """Kinds of agency. All but the first follow the ministry's referral table (表C)."""

    MUNICIPAL_WINDOW = "municipal_window", "市町村（ひきこもり相談窓口）"
    WELFARE_OFFICE = "welfare_office", "福祉事務所"
    SOCIAL_WELFARE_COUNCIL = "social_welfare_council", "社会福祉協議会"
    SELF_RELIANCE_OFFICE = "self_reliance_office", "自立相談支援事業実施機関"
    COMMUNITY_GENERAL_SUPPORT = "community_general_support", "地域包括支援センター"
    CHILD_GUIDANCE = "child_guidance", "児童相談所"
    PUBLIC_HEALTH = "public_health", "保健所・保健センター"
    MENTAL_HEALTH_CENTRE = "mental_health_centre", "精神保健福祉センター"
    DEVELOPMENTAL_DISABILITY_CENTRE = "developmental_disability_centre", "発達障害者支援センター"
    MEDICAL = "medical", "医療機関"
    YOUTH_CONSULTATION = "youth_consultation", "子ども・若者総合相談センター"
    YOUTH_SUPPORT_STATION = "youth_support_station", "地域若者サポートステーション"
    HELLO_WORK = "hello_work", "ハローワーク"
    COMPANY = "company", "企業"
    SCHOOL = "school", "学校・教育委員会等"
    PRIVATE_GROUP = "private_group", "民間支援団体（当事者団体・NPO法人等）"
    DISABILITY_SERVICE = "disability_service", "障害者総合支援法に基づく施設"
    DISABILITY_EMPLOYMENT = "disability_employment", "障害者雇用促進法に基づく施設"
    HIKIKOMORI_CENTRE = "hikikomori_centre", "ひきこもり地域支援センター"
    OTHER = "other", "その他"


def validate_phone_number(number: str) -> None:
    """Digits with optional hyphens, 10 or 11 digits in all (固定電話・携帯・フリーダイヤル)."""
    digits = number.replace("-", "")
    if not (number.isascii() and digits.isdigit() and 10 <= len(digits) <= 11):
        raise ValidationError(PHONE_MESSAGE, code="phone")


class Organisation(models.Model):
    """An agency (機関) that uses tsunagu. Personal records belong to exactly one organisation."""

    name = models.CharField("機関名", max_length=200)
    type = models.CharField("種別", max_length=40, choices=OrganisationType)
    operator_name = models.CharField("運営法人", max_length=200, blank=True)
    local_government = models.ForeignKey(
        LocalGovernment,
        verbose_name="所属する地方公共団体",
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    address = models.CharField("所在地", max_length=200, blank=True)
    phone = models.CharField(
        "電話番号", max_length=30, blank=True, validators=[validate_phone_number]
    )
    # The ministry publishes the municipalities' named hikikomori windows; this is the flag.
    is_named_window = models.BooleanField("ひきこもり相談窓口として公表する", default=False)
    is_active = models.BooleanField("利用中", default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "機関"
        ordering = ["local_government__code", "name"]

    def __str__(self) -> str:
        return self.name


class ContractQuerySet(models.QuerySet["Contract"]):
    def in_force(self, on: date) -> "ContractQuerySet":
        """The contracts in force on `on` (the rule of Contract.is_in_force)."""
        return self.filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=on), starts_on__lte=on
        )


class ContractScope(models.TextChoices):
    """What a contractor may do under a contract (委託先ができること)."""

    INTAKE = "intake", "相談受付"
    CASE_MANAGEMENT = "case_management", "ケース管理"
    OUTREACH = "outreach", "アウトリーチ（訪問支援）"
    IBASHO = "ibasho", "居場所運営"
    SUPPORTER_DISPATCH = "supporter_dispatch", "サポーター派遣"
    FAMILY_SUPPORT = "family_support", "家族会・家族教室"
    STATISTICS = "statistics", "統計の報告"


def validate_contract_scopes(scopes: Any) -> None:
    if not isinstance(scopes, list) or not scopes:
        raise ValidationError(CONTRACT_SCOPES_REQUIRED_MESSAGE, code="scopes_required")
    for scope in scopes:
        if scope not in ContractScope.values:
            raise ValidationError(
                CONTRACT_SCOPE_UNKNOWN_MESSAGE, code="scope_unknown", params={"scope": scope}
            )


class Contract(models.Model):
    """A commission (委託): the commissioning body entrusts a service to a contractor.

    A renewal (延長) is a new contract whose period continues the one it `renews`."""

    commissioner = models.ForeignKey(
        Organisation,
        verbose_name="委託元",
        on_delete=models.PROTECT,
        related_name="contracts_given",
    )
    contractor = models.ForeignKey(
        Organisation,
        verbose_name="委託先",
        on_delete=models.PROTECT,
        related_name="contracts_taken",
    )
    service = models.CharField("委託事業", max_length=200)
    starts_on = models.DateField("契約開始日")
    ends_on = models.DateField("契約終了日", null=True, blank=True)
    scopes = models.JSONField(
        "委託先ができること",
        default=list,
        validators=[validate_contract_scopes],
        error_messages={"blank": CONTRACT_SCOPES_REQUIRED_MESSAGE},
    )
    renews = models.OneToOneField(
        "self",
        verbose_name="延長元の契約",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="renewal",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = "委託契約"
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(commissioner=models.F("contractor")),
                name="contract_between_two_organisations",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.commissioner} → {self.contractor}（{self.service}）"

    def is_in_force(self, on: date) -> bool:
        return self.starts_on <= on and (self.ends_on is None or on <= self.ends_on)

    def scope_labels(self) -> list[str]:
        return [ContractScope(scope).label for scope in self.scopes if scope in ContractScope]


class CredentialsEnd:
    """Why all of a user's sessions and tokens were ended (the audit row's reason)."""

    PASSWORD_CHANGED = "password_changed"  # noqa: S105 (a reason, not a secret)
    DEACTIVATED = "deactivated"


class User(AbstractUser):
    """A staff member (職員). Belongs to one organisation; rights come from roles."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"
    HOLDS_PERSONAL_DATA: ClassVar[bool] = True

    display_name = models.CharField("氏名", max_length=100)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="所属機関",
        on_delete=models.PROTECT,
        related_name="staff",
        null=True,
        blank=True,
    )
    is_demo = models.BooleanField("デモ用アカウント", default=False)
    # Mixed into every session's hash: raising it ends all sessions of the user for good, even
    # if the account is later reactivated with the same password (see _get_session_auth_hash).
    credential_epoch = models.PositiveIntegerField("資格情報の世代", default=0, editable=False)

    objects: ClassVar[UserManager["User"]] = UserManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = "職員"
        ordering = ["organisation_id", "username"]

    def __str__(self) -> str:
        return self.display_name or self.username

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Any, values: Any, *, fetch_mode: Any = None
    ) -> "User":
        user = super().from_db(db, field_names, values, fetch_mode=fetch_mode)
        # What the row said when loaded: a save that turns it off ends the credentials.
        user._loaded_active = bool(user.__dict__.get("is_active"))
        return user

    def save(
        self, *args: Any, ended_by: "User | None" = None, request: Any = None, **kwargs: Any
    ) -> None:
        """Saving a new password or a deactivation ends every session and token of the user.

        Whatever the path (staff page, `manage.py changepassword`, shell), so no way of changing
        the password or switching the account off can leave an old credential alive. `ended_by`
        and `request` name who did it in the audit rows.
        """
        reason = self._pending_credentials_end()
        if reason is not None:
            self.credential_epoch += 1
            update_fields = kwargs.get("update_fields")
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "credential_epoch"}
        super().save(*args, **kwargs)
        self._loaded_active = self.is_active
        if reason is not None:
            # Tokens are several rows and an audit row each: the service does that work.
            from accounts.services import revoke_api_tokens

            revoke_api_tokens(user=self, reason=reason, by=ended_by, request=request)

    def _pending_credentials_end(self) -> "str | None":
        if self._state.adding:
            return None
        if getattr(self, "_loaded_active", None) and not self.is_active:
            return CredentialsEnd.DEACTIVATED
        # set_password() keeps the raw password until the save; a hash upgrade at login clears it
        # first (AbstractBaseUser.check_password), so it does not count as a change.
        if getattr(self, "_password", None) is not None:
            return CredentialsEnd.PASSWORD_CHANGED
        return None

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        key_salt = "accounts.User.session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.credential_epoch}", secret=secret, algorithm="sha256"
        ).hexdigest()

    @cached_property
    def role_codes(self) -> frozenset[str]:
        return frozenset(staff_role.role for staff_role in self.staff_roles.all())

    @property
    def roles(self) -> list[Role]:
        return [role for role in Role if role.value in self.role_codes]

    @cached_property
    def rights(self) -> frozenset[Right]:
        if not self.is_active:
            return frozenset()
        return rights_of(self.role_codes)

    def has_right(self, right: Right) -> bool:
        return right in self.rights


class StaffRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField("役割", max_length=40, choices=Role)

    class Meta:
        verbose_name = "職員の役割"
        constraints = [
            models.UniqueConstraint(fields=["user", "role"], name="one_row_per_user_role")
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def default_token_expiry() -> datetime:
    return timezone.now() + timedelta(days=settings.API_TOKEN_DAYS)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 digest is stored; the token is shown once.

    A token ends at `expires_at` (TSUNAGU_API_TOKEN_DAYS after issue unless given) or when
    revoked; a revoked token never works again.
    """

    PREFIX = "tsg_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField("有効期限", default=default_token_expiry)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "APIトークン"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"APIトークン #{self.pk}（{self.user}）"

    @classmethod
    def issue(cls, user: User, expires_at: datetime | None = None) -> tuple["ApiToken", str]:
        token = cls.PREFIX + secrets.token_urlsafe(32)
        now = timezone.now()
        api_token = cls.objects.create(
            user=user,
            digest=token_digest(token),
            created_at=now,
            expires_at=expires_at or now + timedelta(days=settings.API_TOKEN_DAYS),
        )  # api.auth.refusal_reason says when a token may no longer be used
        return api_token, token

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "失効"
        if self.expires_at <= timezone.now():
            return "期限切れ"
        return "有効"


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one key, and until when that key must wait (accounts.throttle).

    Kept in the database so that every app server behind the load balancer sees the same count.
    """

    class Kind(models.TextChoices):
        ACCOUNT_ADDRESS = "account_address", "アカウント×アドレス"
        KNOWN_DEVICE = "known_device", "登録済みの端末"
        ADDRESS = "address", "アドレス（ログイン画面）"
        API_ADDRESS = "api_address", "アドレス（APIトークン）"

    kind = models.CharField("種類", max_length=20, choices=Kind)
    key = models.CharField(max_length=64)  # SHA-256 of the kind's parts, never a typed name
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, null=True, blank=True, related_name="login_throttles"
    )
    subject = models.CharField(max_length=64, blank=True)  # audit.services.login_subject
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    failures = models.PositiveIntegerField("失敗回数", default=0)
    refused = models.PositiveIntegerField("待機中に断った回数", default=0)
    last_failure_at = models.DateTimeField("最後の失敗")
    blocked_until = models.DateTimeField("待機の終わり", null=True, blank=True)

    class Meta:
        verbose_name = "ログインの制限"
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="one_login_throttle_per_key")
        ]
        indexes = [models.Index(fields=["last_failure_at"], name="login_throttle_age")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.ip_address or ''}（{self.failures}回）"

    def wait_seconds(self, now: datetime) -> int:
        if self.blocked_until is None or self.blocked_until <= now:
            return 0
        return max(1, int((self.blocked_until - now).total_seconds() + 0.999))
