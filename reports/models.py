"""Report caches, background runs and saved cross-tabulations.

No personal data is stored here: only counts, scope keys and the parameters of a report.
"""

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


class YearStamp(models.Model):
    """A fiscal year's version: raised whenever a record of that year changes (reports.cache)."""

    fiscal_year = models.PositiveSmallIntegerField("年度", primary_key=True)
    version = models.PositiveIntegerField("版", default=1)

    class Meta:
        verbose_name = "年度の版"

    def __str__(self) -> str:
        return f"{self.fiscal_year}年度 v{self.version}"


class CachedTables(models.Model):
    """The official tables of one scope and year, valid while the year's stamp has `version`
    and the counting rules are those of `rules_version` (reports.tables.rules_version)."""

    scope_key = models.CharField("集計範囲", max_length=40)
    fiscal_year = models.PositiveSmallIntegerField("年度")
    version = models.PositiveIntegerField("版")
    rules_version = models.CharField("数え方の版", max_length=200)
    # Counts by table key: {"total": {"a": {...}, "b": {...}, "c": {...}},
    # "parts": [[name, {"a": ...}], ...]}
    counts = models.JSONField("件数")
    computed_at = models.DateTimeField("集計日時", default=timezone.now)

    class Meta:
        verbose_name = "集計結果（キャッシュ）"
        constraints = [
            models.UniqueConstraint(fields=["scope_key", "fiscal_year"], name="one_cache_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.scope_key} {self.fiscal_year}"


class ReportRun(models.Model):
    """A report computed in the background, with its progress (years done of years asked).

    A run keeps no figures and is no snapshot: it fills the cache (CachedTables) one year at a
    time, and the page then reads the cache. Its figures are therefore always those of the counting
    rules in force; a rules change makes them stale like any cached result, and the next request
    for the report starts a new run.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "待機中"
        RUNNING = "running", "集計中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    scope_kind = models.CharField("集計範囲の種類", max_length=20)
    scope_code = models.CharField("集計範囲", max_length=20)
    years = models.JSONField("年度", default=list)
    done = models.PositiveSmallIntegerField("集計済みの年度数", default=0)
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.QUEUED)
    error = models.CharField("エラー", max_length=300, blank=True)
    created_at = models.DateTimeField("依頼日時", default=timezone.now)
    finished_at = models.DateTimeField("完了日時", null=True, blank=True)

    class Meta:
        verbose_name = "集計の実行"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"集計 #{self.pk}（{self.get_status_display()}）"

    @property
    def total(self) -> int:
        return len(self.years)

    @property
    def percent(self) -> int:
        return 100 if not self.years else round(100 * self.done / len(self.years))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class SavedReport(models.Model):
    """A cross-tabulation's settings saved under a name, shared within the organisation."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField("名前", max_length=100)
    params = models.JSONField("条件", default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("保存日時", default=timezone.now)

    class Meta:
        verbose_name = "保存した集計"
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name
