"""参加支援: the hosts that take people in (受入先), what they offer (受入メニュー), the
persons placed with them (参加), and enrolments in 就労準備支援事業.

A host is developed by one organisation (`owner`, ACCESS_ORGANISATION_FIELD); a prefecture's
organisation shares its hosts with every window of the prefecture (`shared_in_prefecture`). Other
organisations read a shared host and may propose changes (HostSuggestion) that the owner decides.
No personal data of a case is ever written on a host or an offer.
"""

import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from tsunagu.fields import EncryptedCharField, EncryptedTextField


def prefecture_id_of(organisation: Any) -> int | None:
    """The prefecture an organisation works in: its local government, or that one's prefecture."""
    government = organisation.local_government
    if government.kind == "prefecture":
        return int(government.pk)
    return government.prefecture_id


def host_scope(user: Any, prefix: str = "") -> models.Q:
    """The hosts `user` may know exist: their organisation's own, and the hosts shared in the
    prefecture by any organisation of the user's prefecture. `prefix` reaches the host from
    another model ("host__" for an offer)."""
    organisation = user.organisation
    if organisation is None:
        return models.Q(pk__in=[])
    scope = models.Q(**{f"{prefix}owner_id": organisation.pk})
    prefecture_id = prefecture_id_of(organisation)
    if prefecture_id is not None:
        same_prefecture = models.Q(
            **{f"{prefix}owner__local_government_id": prefecture_id}
        ) | models.Q(**{f"{prefix}owner__local_government__prefecture_id": prefecture_id})
        scope |= models.Q(**{f"{prefix}shared_in_prefecture": True}) & same_prefecture
    return scope


class HostKind(models.TextChoices):
    COMPANY = "company", "企業"
    SOCIAL_WELFARE = "social_welfare", "社会福祉法人"
    FARM = "farm", "農業"
    SHOP = "shop", "個人商店"
    NPO = "npo", "NPO"
    PUBLIC = "public", "公共施設"
    SHELTER = "shelter", "シェルター・一時生活"
    OTHER = "other", "その他"


class HostStatus(models.TextChoices):
    DEVELOPING = "developing", "開拓中"
    ACCEPTING = "accepting", "受入可"
    PAUSED = "paused", "休止"


class Host(models.Model):
    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "owner"
    # What the host's record holds as the worker edits it (the form, the suggestions, the audit).
    EDITABLE_FIELDS: ClassVar[tuple[str, ...]] = (
        "name",
        "kind",
        "status",
        "shared_in_prefecture",
        "postal_code",
        "address",
        "nearest_station",
        "contact_name",
        "contact_phone",
        "contact_email",
        "needs_and_worries",
        "notes",
    )

    owner = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="開拓した機関",
        on_delete=models.PROTECT,
        related_name="participation_hosts",
    )
    shared_in_prefecture = models.BooleanField("県内の窓口と共有", default=False)
    name = models.CharField("受入先の名称", max_length=200)
    kind = models.CharField("種別", max_length=20, choices=HostKind)
    postal_code = models.CharField("郵便番号", max_length=7, blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)
    nearest_station = models.CharField("最寄り駅・バス停", max_length=100, blank=True)
    contact_name = models.CharField("担当者", max_length=100, blank=True)
    contact_phone = models.CharField("担当者の電話番号", max_length=30, blank=True)
    contact_email = models.EmailField("担当者のメールアドレス", blank=True)
    status = models.CharField(
        "状況", max_length=20, choices=HostStatus, default=HostStatus.DEVELOPING
    )
    needs_and_worries = models.TextField("受入先の希望・心配ごと", blank=True)
    notes = models.TextField("メモ", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "受入先"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["owner", "name"], name="host_owner_name"),
            models.Index(fields=["shared_in_prefecture", "name"], name="host_shared_name"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def visible_q(cls, user: Any) -> models.Q:
        """Rule 1f of `accounts.access`: the owner's staff, and the prefecture's when shared."""
        return host_scope(user)

    def is_owned_by(self, user: Any) -> bool:
        return bool(user.organisation_id) and self.owner_id == user.organisation_id


class DevelopmentVisit(models.Model):
    """A visit to develop a host (開拓の訪問): what was said and the next step."""

    host = models.ForeignKey(
        Host, verbose_name="受入先", on_delete=models.CASCADE, related_name="visits"
    )
    visited_on = models.DateField("訪問日")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="訪問した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    notes = models.TextField("話したこと")
    next_step = models.CharField("次にすること", max_length=300, blank=True)
    next_step_on = models.DateField("次にする日", null=True, blank=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        verbose_name = "開拓の訪問"
        ordering = ["-visited_on", "-id"]

    def __str__(self) -> str:
        return f"{self.host} {self.visited_on}"


class SiteTour(models.Model):
    """A site tour (見学会) held at a host for the windows' staff."""

    host = models.ForeignKey(
        Host, verbose_name="受入先", on_delete=models.CASCADE, related_name="tours"
    )
    held_on = models.DateField("開催日")
    notes = models.TextField("内容", blank=True)
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name="参加した職員",
        related_name="participation_site_tours",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        verbose_name = "見学会"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.host} 見学会 {self.held_on}"


class HostSuggestion(models.Model):
    """A change to a host proposed by a worker of another organisation; the owner decides."""

    # Decided by the owner's staff only; the suggestion's author reads it on the host's page.
    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "host__owner"

    class State(models.TextChoices):
        OPEN = "open", "提案中"
        ACCEPTED = "accepted", "反映"
        DECLINED = "declined", "見送り"

    host = models.ForeignKey(
        Host, verbose_name="受入先", on_delete=models.CASCADE, related_name="suggestions"
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提案した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Field name (one of Host.EDITABLE_FIELDS) → the proposed value, as the form would post it.
    changes = models.JSONField("提案する変更", default=dict)
    note = models.TextField("提案の理由", blank=True)
    state = models.CharField("状態", max_length=20, choices=State, default=State.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="判断した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField("判断した日時", null=True, blank=True)
    decision_note = models.CharField("判断の理由", max_length=300, blank=True)
    created_at = models.DateTimeField("提案日時", default=timezone.now)

    class Meta:
        verbose_name = "受入先の変更の提案"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="open", decided_at__isnull=True)
                | (~models.Q(state="open") & models.Q(decided_at__isnull=False)),
                name="host_suggestion_decided_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.host} への提案"


class OfferKind(models.TextChoices):
    WORK_EXPERIENCE = "work_experience", "就労体験"
    INTERMEDIATE = "intermediate", "就労訓練（中間的就労）"
    EMPLOYMENT = "employment", "雇用"
    VOLUNTEER = "volunteer", "ボランティア"
    FARMING = "farming", "農業体験"
    IBASHO = "ibasho", "居場所・活動"
    HOUSING = "housing", "住まい・一時入所"
    RESPITE = "respite", "レスパイト"


class Offer(models.Model):
    """What a host can take (受入メニュー): the carved-out tasks and the conditions around them."""

    # The conditions a withdrawn person cares about, in the order the pages show them.
    CONDITION_FIELDS: ClassVar[tuple[str, ...]] = (
        "no_phone_work",
        "quiet_room",
        "works_alone",
        "no_customer_contact",
        "online_possible",
        "starts_with_one_hour",
        "accompaniment_possible",
        "insured",
    )
    EDITABLE_FIELDS: ClassVar[tuple[str, ...]] = (
        "kind",
        "title",
        "tasks",
        "days_and_hours",
        "weekdays",
        "min_hours_per_week",
        "minutes_first_time",
        "places",
        *CONDITION_FIELDS,
        "paid",
        "reward",
        "transport_note",
        "host_asks",
        "is_active",
    )

    host = models.ForeignKey(
        Host, verbose_name="受入先", on_delete=models.PROTECT, related_name="offers"
    )
    kind = models.CharField("種類", max_length=20, choices=OfferKind)
    title = models.CharField("メニューの名前", max_length=150)
    tasks = models.TextField("切り出した作業", help_text="どんな作業をするか、分かりやすい言葉で。")
    days_and_hours = models.CharField("日時", max_length=200, blank=True)
    weekdays = models.JSONField("受け入れる曜日", default=list, blank=True)
    min_hours_per_week = models.DecimalField(
        "週あたりの最低時間", max_digits=4, decimal_places=1, null=True, blank=True
    )
    minutes_first_time = models.PositiveSmallIntegerField(
        "初回の短い時間（分）", null=True, blank=True
    )
    places = models.PositiveSmallIntegerField("定員", default=1)
    no_phone_work = models.BooleanField("電話の仕事がない", default=False)
    quiet_room = models.BooleanField("静かな部屋がある", default=False)
    works_alone = models.BooleanField("一人でできる作業", default=False)
    no_customer_contact = models.BooleanField("接客がない", default=False)
    online_possible = models.BooleanField("オンラインで参加できる", default=False)
    starts_with_one_hour = models.BooleanField("1時間から始められる", default=False)
    accompaniment_possible = models.BooleanField("支援者の同行ができる", default=False)
    insured = models.BooleanField("保険に加入している", default=False)
    paid = models.BooleanField("報酬・謝礼がある", default=False)
    reward = models.CharField("報酬・謝礼の内容", max_length=200, blank=True)
    transport_note = models.CharField("交通・通い方", max_length=300, blank=True)
    host_asks = models.TextField("受入先からのお願い", blank=True)
    is_active = models.BooleanField("受付中", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "受入メニュー"
        ordering = ["host_id", "title", "id"]
        indexes = [models.Index(fields=["kind", "is_active"], name="offer_kind_active")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(places__gte=1), name="offer_places_at_least_one"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @classmethod
    def visible_q(cls, user: Any) -> models.Q:
        """An offer is seen by whoever sees its host (`host_scope`)."""
        return host_scope(user, "host__")

    @property
    def weekdays_label(self) -> str:
        from supporters.models import Weekday

        chosen = set(self.weekdays or [])
        return "・".join(day.label for day in Weekday if day.value in chosen)

    def places_free(self, taken: int | None = None) -> int:
        """The places not held by an active placement; `taken` when the list counted them."""
        if taken is None:
            taken = self.placements.filter(stage__in=ACTIVE_STAGES).count()
        return max(0, self.places - taken)


class PlacementStage(models.TextChoices):
    PROPOSED = "proposed", "提案"
    TOUR = "tour", "見学"
    FIRST_VISIT = "first_visit", "初回（同行）"
    CONTINUING = "continuing", "継続"
    ENDED = "ended", "終了"


# The stages that hold one of the offer's places.
ACTIVE_STAGES = (
    PlacementStage.PROPOSED,
    PlacementStage.TOUR,
    PlacementStage.FIRST_VISIT,
    PlacementStage.CONTINUING,
)


class PlacementEndReason(models.TextChoices):
    EMPLOYED = "employed", "就職"
    OTHER_PLACEMENT = "other_placement", "他の参加へ"
    PERSON_WISH = "person_wish", "本人の希望"
    HOST_REASON = "host_reason", "受入先の事情"
    INTERRUPTED = "interrupted", "中断"


class Placement(models.Model):
    """A person of a case taking part in an offer (参加), from the proposal to its end."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "case__organisation"

    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        related_name="placements",
    )
    offer = models.ForeignKey(
        Offer, verbose_name="受入メニュー", on_delete=models.PROTECT, related_name="placements"
    )
    stage = models.CharField(
        "段階", max_length=20, choices=PlacementStage, default=PlacementStage.PROPOSED
    )
    end_reason = models.CharField(
        "終了の理由", max_length=20, choices=PlacementEndReason, blank=True
    )
    end_note = EncryptedCharField("終了の補足", max_length=300)
    proposed_on = models.DateField("提案日", default=timezone.localdate)
    started_on = models.DateField("参加を始めた日", null=True, blank=True)
    ended_on = models.DateField("終了日", null=True, blank=True)
    accompanying_dispatch = models.ForeignKey(
        "supporters.Dispatch",
        verbose_name="初回の同行（派遣）",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="placements",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "参加"
        ordering = ["-proposed_on", "-id"]
        indexes = [models.Index(fields=["offer", "stage"], name="placement_offer_stage")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(stage="ended")
                | (models.Q(ended_on__isnull=False) & ~models.Q(end_reason="")),
                name="placement_ended_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer} ({self.get_stage_display()})"


class PlacementContact(models.Model):
    """A follow-up contact (経過) with the person or the host during a placement."""

    class WithWhom(models.TextChoices):
        PERSON = "person", "本人"
        HOST = "host", "受入先"

    placement = models.ForeignKey(
        Placement, verbose_name="参加", on_delete=models.CASCADE, related_name="contacts"
    )
    contacted_on = models.DateField("日付")
    with_whom = models.CharField("相手", max_length=20, choices=WithWhom)
    # About the person: encrypted like the case's own notes.
    notes = EncryptedTextField("内容", blank=False)
    host_feedback = EncryptedTextField("受入先からの声")
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)

    class Meta:
        verbose_name = "参加の経過"
        ordering = ["-contacted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.placement} {self.contacted_on}"


class ReadinessComponent(models.TextChoices):
    DAILY_LIFE = "daily_life", "生活習慣"
    SOCIAL = "social", "社会参加"
    WORK_EXPERIENCE = "work_experience", "就労体験"
    MOCK_INTERVIEW = "mock_interview", "模擬面接"
    OTHER = "other", "その他"


def one_year_from(start: datetime.date) -> datetime.date:
    """The last day of the one-year limit counted from the start (start + 1 year − 1 day)."""
    try:
        anniversary = start.replace(year=start.year + 1)
    except ValueError:  # 29 February: the year ends on 28 February of the next year
        return start.replace(year=start.year + 1, day=28)
    return anniversary - datetime.timedelta(days=1)


class WorkReadinessEnrolment(models.Model):
    """A person's use of 就労準備支援事業, with its one-year limit and the recorded exception."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "case__organisation"

    case = models.ForeignKey(
        "cases.Case",
        verbose_name="ケース",
        on_delete=models.PROTECT,
        related_name="work_readiness_enrolments",
    )
    provider = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="実施機関",
        on_delete=models.PROTECT,
        related_name="work_readiness_enrolments",
    )
    started_on = models.DateField("利用開始日")
    components = models.JSONField("支援の内容", default=list, blank=True)
    ends_on = models.DateField("利用期限")
    extended_until = models.DateField("延長後の期限", null=True, blank=True)
    extension_reason = EncryptedTextField("延長の理由（例外に当たる事情）")
    extension_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="延長を承認した職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ended_on = models.DateField("利用終了日", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登録した職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "就労準備支援事業の利用"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.CheckConstraint(
                # The reason is encrypted, so the service checks it; the approver and a later
                # date are the database's to keep.
                condition=models.Q(extended_until__isnull=True)
                | (
                    models.Q(extension_approved_by__isnull=False)
                    & models.Q(extended_until__gt=models.F("ends_on"))
                ),
                name="enrolment_extension_has_reason_and_approver",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("started_on")),
                name="enrolment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"就労準備支援 {self.started_on}〜"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.started_on and not self.ends_on:
            self.ends_on = one_year_from(self.started_on)
        super().save(*args, **kwargs)

    @property
    def limit(self) -> datetime.date:
        """The day the enrolment must end: the extension when one was approved."""
        return self.extended_until or self.ends_on
