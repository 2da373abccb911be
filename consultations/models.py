"""Consultations (相談受付) from any channel; each ends in a disposition — none is refused."""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from consultations.channels import Channel
from people.models import Relationship
from tsunagu.fields import EncryptedBinaryField, EncryptedJSONField, EncryptedTextField


class ConsulterType(models.TextChoices):
    PERSON = "person", "本人"
    FAMILY = "family", "家族"
    AGENCY = "agency", "関係機関"
    RESIDENT = "resident", "地域住民"
    WELFARE_VOLUNTEER = "welfare_volunteer", "民生委員・児童委員"
    OTHER = "other", "その他"


class Category(models.TextChoices):
    """The 16 categories of the 相談受付・申込票, in its order."""

    HEALTH = "health", "病気や健康、障害"
    HOUSING = "housing", "住まい"
    INCOME = "income", "収入・生活費"
    RENT_LOAN = "rent_loan", "家賃やローン"
    TAX_BILLS = "tax_bills", "税金や公共料金"
    DEBT = "debt", "債務"
    JOB_SEARCH = "job_search", "仕事探し、就職"
    WORK_TROUBLE = "work_trouble", "仕事上の不安やトラブル"
    COMMUNITY = "community", "地域との関係"
    FAMILY = "family", "家族との関係"
    CHILD_REARING = "child_rearing", "子育て"
    CARE = "care", "介護"
    HIKIKOMORI = "hikikomori", "ひきこもり・不登校"
    DV_ABUSE = "dv_abuse", "DV・虐待"
    NO_FOOD = "no_food", "食べるものがない"
    OTHER = "other", "その他"


class Urgency(models.TextChoices):
    NORMAL = "normal", "通常"
    SOON = "soon", "早めに対応"
    URGENT = "urgent", "緊急"


class Disposition(models.TextChoices):
    """How a consultation ends. There is deliberately no "refused"."""

    CONTINUE = "continue", "自機関で継続支援"
    REFER = "refer", "関係機関へつなぐ"
    INFORMATION = "information", "情報提供・助言のみ"


class Consultation(models.Model):
    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="consultations"
    )
    received_at = models.DateTimeField("受付日時", default=timezone.now, db_index=True)
    channel = models.CharField("相談方法", max_length=20, choices=Channel)
    consulter_type = models.CharField("相談者", max_length=20, choices=ConsulterType)
    consulter_relationship = models.CharField(
        "相談者の続柄", max_length=20, choices=Relationship, blank=True
    )
    consulter_agency = models.ForeignKey(
        "collaboration.Agency",
        verbose_name="相談してきた機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    consulter_name = models.CharField("相談者の氏名", max_length=100, blank=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name="相談の対象となる人",
        on_delete=models.PROTECT,
        related_name="consultations",
    )
    age_at_contact = models.PositiveSmallIntegerField("相談時の年齢", null=True, blank=True)
    categories = models.JSONField("相談内容", default=list)
    main_concern = models.CharField("主な相談内容", max_length=20, choices=Category)
    content = EncryptedTextField("相談の内容")
    urgency = models.CharField("緊急度", max_length=10, choices=Urgency, default=Urgency.NORMAL)
    disposition = models.CharField("対応", max_length=20, choices=Disposition)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    referral = models.ForeignKey(
        "collaboration.Referral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    is_out_of_hours = models.BooleanField("時間外", default=False)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Bumped by each correction (訂正); the versions before it are kept in audit.PreviousVersion.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "相談受付"
        ordering = ["-received_at", "-id"]
        indexes = [
            # Covering on PostgreSQL (INCLUDE): the official tables of a year read only the index.
            models.Index(
                fields=["organisation", "received_at"],
                include=["person", "id", "age_at_contact", "channel"],
                name="consultation_day",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(disposition=""), name="consultation_has_disposition"
            )
        ]

    def __str__(self) -> str:
        return f"相談 #{self.pk}（{self.get_channel_display()}）"

    def category_labels(self) -> list[str]:
        return [Category(code).label for code in self.categories]

    @property
    def is_corrected(self) -> bool:
        """Corrected at least once (訂正あり): its previous versions are kept."""
        return self.version > 1


class ConsultationDraft(models.Model):
    """What a worker has typed into an intake form so far, saved as they type."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultation_drafts"
    )
    # What was typed: the consultation's content and the person's details, so encrypted.
    data = EncryptedJSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "相談受付の下書き"
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"下書き #{self.pk}"


class ImportBatch(models.Model):
    """One spreadsheet brought in (取込): previewed, then imported once, or cancelled.

    The file's SHA-256 detects a second import of the same file into the same organisation. The
    file itself is kept only between the preview and the confirmation.
    """

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "確認待ち"
        IMPORTED = "imported", "取込済み"
        CANCELLED = "cancelled", "取消"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="consultation_imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("ファイル名", max_length=255)
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    size = models.PositiveBigIntegerField("サイズ（バイト）")
    encoding = models.CharField("文字コード", max_length=20, blank=True)
    status = models.CharField("状態", max_length=20, choices=Status, default=Status.PREVIEWED)
    # The spreadsheet holds every memo of the file: encrypted like the memos themselves.
    content = EncryptedBinaryField("ファイルの内容", null=True, editable=False)
    summary = models.JSONField("内容の要約", default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    imported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "相談記録の取込"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sha256"],
                condition=models.Q(status="imported"),
                name="consultation_import_once_per_file",
            )
        ]

    def __str__(self) -> str:
        return f"取込 #{self.pk}（{self.file_name}）"
