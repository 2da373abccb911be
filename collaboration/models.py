"""The agency directory (地域資源) and referrals (つなぎ) followed until the person is connected."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import OrganisationType


class AgencyCategory(models.TextChoices):
    """The ministry's referral table (表C) categories, in its order."""

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
    HIKIKOMORI_CENTRE = "hikikomori_centre", "他のひきこもり地域支援センター"
    OTHER = "other", "その他"

    @classmethod
    def for_organisation_type(cls, organisation_type: str) -> "AgencyCategory":
        if organisation_type == OrganisationType.MUNICIPAL_WINDOW:
            return cls.OTHER
        return cls(organisation_type)


class Agency(models.Model):
    """A partner agency in the local directory (地域資源). Not personal data."""

    local_government = models.ForeignKey(
        "accounts.LocalGovernment",
        verbose_name="地域（地方公共団体）",
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    name = models.CharField("機関名", max_length=200)
    category = models.CharField("種別（表C）", max_length=40, choices=AgencyCategory)
    address = models.CharField("所在地", max_length=200, blank=True)
    phone = models.CharField("電話番号", max_length=30, blank=True)
    hours = models.CharField("受付時間", max_length=100, blank=True)
    area = models.CharField("対象地域", max_length=100, blank=True)
    note = models.TextField("メモ", blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="tsunagu を使っている機関",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="directory_entries",
    )

    class Meta:
        verbose_name = "地域資源（関係機関）"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class Referral(models.Model):
    """A つなぎ to another agency, followed until the person is connected (or it fails)."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    class State(models.TextChoices):
        PROPOSED = "proposed", "打診中"
        ACCEPTED = "accepted", "受入"
        CONNECTED = "connected", "初回面談済（つながった）"
        ENDED = "ended", "終了"
        FAILED = "failed", "不成立"

    OPEN_STATES: ClassVar[tuple[str, ...]] = (State.PROPOSED, State.ACCEPTED)
    NEXT_STATES: ClassVar[dict[str, tuple[str, ...]]] = {
        State.PROPOSED: (State.ACCEPTED, State.CONNECTED, State.FAILED),
        State.ACCEPTED: (State.CONNECTED, State.FAILED),
        State.CONNECTED: (State.ENDED,),
        State.ENDED: (),
        State.FAILED: (),
    }

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="つないだ機関",
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="referrals"
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="つなぐ人", on_delete=models.PROTECT, related_name="referrals"
    )
    agency = models.ForeignKey(
        Agency, verbose_name="つなぎ先", on_delete=models.PROTECT, related_name="referrals"
    )
    purpose = models.CharField("つなぐ目的", max_length=300)
    state = models.CharField("状態", max_length=20, choices=State, default=State.PROPOSED)
    failed_reason = models.CharField("不成立の理由", max_length=300, blank=True)
    accompanied = models.BooleanField("同行する", default=False)
    referred_on = models.DateField("つないだ日", default=timezone.localdate)
    follow_up_on = models.DateField("確認する日")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "つなぎ"
        ordering = ["follow_up_on", "id"]
        indexes = [models.Index(fields=["state", "follow_up_on"], name="referral_follow_up")]

    def __str__(self) -> str:
        return f"{self.agency}へのつなぎ（{self.get_state_display()}）"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, today: date | None = None) -> bool:
        return self.is_open and self.follow_up_on < (today or timezone.localdate())


class ReferralEvent(models.Model):
    """Each change of a referral's state, so its history is kept."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    state = models.CharField("状態", max_length=20, choices=Referral.State)
    note = models.CharField("メモ", max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.get_state_display()}"
