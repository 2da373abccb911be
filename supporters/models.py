"""Supporters (サポーター・ピアサポーター), their trainings, their dispatches (派遣) and reports.

The registry is kept by the organisation that dispatches the supporters (ACCESS_ORGANISATION_FIELD);
a supporter's login account may belong to another organisation, e.g. a contracted NPO. A supporter
is told only what the dispatch needs: the name the worker chose to give (a first name or a
nickname), the meeting point, the time and the worker to call — never the case record.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.fields import EncryptedCharField, EncryptedTextField


class SupporterKind(models.TextChoices):
    PROFESSIONAL = "professional", "専門職"
    PEER = "peer", "ピアサポーター"
    FORMER = "former", "元当事者"
    FAMILY = "family", "家族"
    VOLUNTEER = "volunteer", "ボランティア"


class Weekday(models.TextChoices):
    MONDAY = "mon", "月"
    TUESDAY = "tue", "火"
    WEDNESDAY = "wed", "水"
    THURSDAY = "thu", "木"
    FRIDAY = "fri", "金"
    SATURDAY = "sat", "土"
    SUNDAY = "sun", "日"


class Supporter(models.Model):
    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"
    # What a registration holds as the worker enters it (the form, the service, the audit row).
    REGISTRY_FIELDS: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "user",
        "area",
        "available_days",
        "available_from",
        "available_until",
        "availability_note",
        "is_active",
    )

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="登録している機関",
        on_delete=models.PROTECT,
        related_name="supporters",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="ログインアカウント",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supporter_registrations",
    )
    name = models.CharField("氏名", max_length=100)
    kind = models.CharField("種別", max_length=20, choices=SupporterKind)
    area = models.CharField("活動地域", max_length=100, blank=True)
    available_days = models.JSONField("活動できる曜日", default=list, blank=True)
    available_from = models.TimeField("活動できる時間（から）", null=True, blank=True)
    available_until = models.TimeField("活動できる時間（まで）", null=True, blank=True)
    availability_note = models.CharField("活動できる日時の補足", max_length=300, blank=True)
    is_active = models.BooleanField("登録中", default=True)
    registered_on = models.DateField("登録日", default=timezone.localdate)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "サポーター"
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user"], name="one_registration_per_account"
            ),
            models.CheckConstraint(
                condition=models.Q(available_from__isnull=True)
                | models.Q(available_until__isnull=True)
                | models.Q(available_until__gt=models.F("available_from")),
                name="supporter_available_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available_days_label(self) -> str:
        chosen = set(self.available_days or [])
        return "・".join(day.label for day in Weekday if day.value in chosen)

    @property
    def total_training_hours(self) -> float:
        return float(sum(training.hours for training in self.trainings.all()))


class Training(models.Model):
    """A completed training (養成研修・フォローアップ研修)."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="trainings")
    name = models.CharField("研修名", max_length=150)
    completed_on = models.DateField("修了日")
    hours = models.DecimalField("時間数", max_digits=5, decimal_places=1)

    class Meta:
        verbose_name = "養成研修"
        ordering = ["-completed_on", "-id"]

    def __str__(self) -> str:
        return self.name


class Dispatch(models.Model):
    """A supporter sent to a home visit with a worker, to an ibasho session, or to accompany."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"
    # What a dispatch holds as the worker plans it (the form, the service, the audit row).
    PLANNED_FIELDS: ClassVar[tuple[str, ...]] = (
        "kind",
        "case",
        "session",
        "starts_at",
        "ends_at",
        "meeting_point",
        "display_name",
        "briefing",
        "worker",
        "contact_phone",
    )

    class Kind(models.TextChoices):
        HOME_VISIT = "home_visit", "訪問への同行"
        SESSION = "session", "居場所の開催回"
        ACCOMPANY = "accompany", "本人への同行（外出・手続きなど）"

    class State(models.TextChoices):
        PLANNED = "planned", "予定"
        DONE = "done", "実施"
        CANCELLED = "cancelled", "中止"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="dispatches"
    )
    supporter = models.ForeignKey(
        Supporter, verbose_name="サポーター", on_delete=models.PROTECT, related_name="dispatches"
    )
    kind = models.CharField("派遣の種類", max_length=20, choices=Kind)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
    )
    session = models.ForeignKey(
        "community.Session",
        verbose_name="居場所の開催回",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="dispatches",
    )
    starts_at = models.DateTimeField("日時")
    ends_at = models.DateTimeField("終了予定", null=True, blank=True)
    meeting_point = models.CharField("待ち合わせ場所", max_length=200)
    display_name = models.CharField(
        "サポーターに伝える呼び名",
        max_length=30,
        help_text="名前（下の名前）かニックネームだけ。姓・住所・病状は書かないでください。",
    )
    briefing = EncryptedCharField("サポーターへの連絡事項", max_length=300)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_phone = models.CharField("当日の連絡先（電話）", max_length=30, blank=True)
    state = models.CharField("状態", max_length=20, choices=State, default=State.PLANNED)
    cancelled_reason = EncryptedCharField("中止の理由", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "派遣"
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["organisation", "starts_at"], name="dispatch_when")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def has_report(self) -> bool:
        return hasattr(self, "report")


class DispatchReport(models.Model):
    """The supporter's short report after a dispatch; the worker reads it."""

    dispatch = models.OneToOneField(Dispatch, on_delete=models.PROTECT, related_name="report")
    what_happened = EncryptedTextField("どんなことをしたか", blank=False)
    minutes_spent = models.PositiveSmallIntegerField("活動した時間（分）")
    concerns = EncryptedTextField("職員に伝えたい気がかりなこと")
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "派遣の報告"

    def __str__(self) -> str:
        return f"報告 {self.dispatch}"

    @property
    def has_concerns(self) -> bool:
        return bool(self.concerns.strip())
