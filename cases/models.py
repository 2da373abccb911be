"""Cases that accompany a person or household for years: assessment, plan, activity log, closure."""

from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone

from tsunagu.fields import SENSITIVE, EncryptedCharField, EncryptedJSONField, EncryptedTextField
from tsunagu.sql import AddDays


class Stage(models.TextChoices):
    """There is deliberately no "refused" stage."""

    INTAKE = "intake", "受付"
    ASSESSMENT = "assessment", "アセスメント"
    PLAN = "plan", "プラン"
    SUPPORT = "support", "支援中"
    MONITORING = "monitoring", "モニタリング"
    KEEP_CONNECTED = "keep_connected", "つながり続ける（見守り）"
    CLOSED = "closed", "終結"


class ClosureReason(models.TextChoices):
    GOAL_REACHED = "goal_reached", "目標達成"
    TRANSFERRED = "transferred", "他機関へ移行"
    MOVED = "moved", "転居"
    DIED = "died", "死亡"
    PERSONS_WISH = "persons_wish", "本人の希望"
    CONTACT_LOST = "contact_lost", "連絡途絶"
    OTHER = "other", "その他"


class Case(models.Model):
    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name="本人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    household = models.ForeignKey(
        "people.Household",
        verbose_name="世帯",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    title = models.CharField("ケース名", max_length=120)
    stage = models.CharField("段階", max_length=20, choices=Stage, default=Stage.INTAKE)
    lead_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="主担当", on_delete=models.PROTECT, related_name="+"
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="担当チーム", related_name="case_teams", blank=True
    )
    opened_on = models.DateField("開始日", default=timezone.localdate)
    contact_every_days = models.PositiveSmallIntegerField("連絡の間隔（日）", default=30)
    closure_reason = models.CharField(
        "終結の理由", max_length=20, choices=ClosureReason, blank=True
    )
    closed_on = models.DateField("終結日", null=True, blank=True)
    follow_up_on = models.DateField("終結後の確認日", null=True, blank=True)
    # Denormalised from the activity log so that the watch list is one query.
    last_contact_on = models.DateField("最後に連絡した日", null=True, blank=True)
    first_met_on = models.DateField("本人に初めて会えた日", null=True, blank=True)
    # Denormalised from the latest support plan (plan_save), so that the watch list and the home
    # filter and sort on a column instead of a subquery per case.
    review_on = models.DateField("プランの見直し日", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "ケース"
        ordering = ["-opened_on", "-id"]
        indexes = [models.Index(fields=["organisation", "stage"], name="case_stage")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False) | models.Q(household__isnull=False),
                name="case_has_person_or_household",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.stage != Stage.CLOSED

    def contact_due_on(self) -> date:
        from datetime import timedelta

        return (self.last_contact_on or self.opened_on) + timedelta(days=self.contact_every_days)


def contact_due_on() -> AddDays:
    """The date a case's next contact is due, in SQL (the Python twin is
    `Case.contact_due_on`): the last contact, or the opening date, plus the interval."""
    return AddDays(Coalesce("last_contact_on", "opened_on"), "contact_every_days")


class TeamChange(models.Model):
    """The history of a case's team and lead worker: who was added, removed or made lead, why."""

    class Kind(models.TextChoices):
        ADDED = "added", "チームに追加"
        REMOVED = "removed", "チームから外す"
        LEAD = "lead", "主担当の変更"

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="team_changes")
    kind = models.CharField("変更", max_length=10, choices=Kind)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="対象の職員",
        on_delete=models.PROTECT,
        related_name="+",
    )
    previous_lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="前の主担当",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = EncryptedCharField("理由", max_length=300)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "担当チームの変更"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.member}）"


class StageChange(models.Model):
    """The history of a case's stages, kept across closure and reopening."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.CharField(max_length=20, choices=Stage, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage)
    note = EncryptedCharField("メモ", max_length=300)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "段階の変更"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_from_stage_display()} → {self.get_to_stage_display()}"

    @property
    def note_label(self) -> str:
        """The memo as shown: a closure's reason in Japanese (closures once kept its code)."""
        if self.to_stage == Stage.CLOSED and self.note in ClosureReason.values:
            return str(ClosureReason(self.note).label)
        return str(self.note)


class OutingLevel(models.TextChoices):
    """The Cabinet Office survey's outing levels (seed p.3)."""

    HOBBY_ONLY = "hobby_only", "趣味の用事のときだけ外出する"
    NEIGHBOURHOOD = "neighbourhood", "近所のコンビニなどには出かける"
    HOME_ONLY = "home_only", "自室からは出るが、家からは出ない"
    ROOM_ONLY = "room_only", "自室からほとんど出ない"
    NOT_APPLICABLE = "none", "該当なし"


class MedicalFlag(models.TextChoices):
    """Possibilities to consider with a doctor — never a diagnosis."""

    MOOD = "mood", "気分障害の可能性"
    SCHIZOPHRENIA = "schizophrenia", "統合失調症の可能性"
    DEVELOPMENTAL = "developmental", "発達障害の可能性"


class LifeDomain(models.TextChoices):
    WELFARE = "welfare", "福祉"
    CARE = "care", "介護"
    HEALTH = "health", "保健医療"
    HOUSING = "housing", "住まい"
    WORK = "work", "就労"
    EDUCATION = "education", "教育"
    FINANCES = "finances", "家計"
    ISOLATION = "isolation", "孤立"
    FAMILY = "family", "家族関係"


class DomainStatus(models.TextChoices):
    NO_ISSUE = "no_issue", "課題なし"
    WATCH = "watch", "見守り"
    ISSUE = "issue", "課題あり"
    UNKNOWN = "unknown", "未確認"


class GuidelineStage(models.TextChoices):
    ENCOUNTER = "encounter", "出会い・評価"
    INDIVIDUAL = "individual", "個人的支援"
    GROUP = "group", "中間的・過渡的な集団"
    PARTICIPATION = "participation", "社会参加の試行"


class SelfRelianceStage(models.TextChoices):
    DAILY_LIFE = "daily_life", "日常生活自立"
    SOCIAL_LIFE = "social_life", "社会生活自立"
    WORK = "work", "就労自立"


class Assessment(models.Model):
    """One dated version of the assessment; a new assessment adds a row, none is overwritten."""

    SENSITIVE_FIELDS: ClassVar[tuple[str, ...]] = ("medical_flags", "medical_history")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="assessments")
    number = models.PositiveIntegerField("版")
    assessed_on = models.DateField("実施日", default=timezone.localdate)
    outing_level = models.CharField("外出の状況", max_length=20, choices=OutingLevel, blank=True)
    state_since_year = models.PositiveSmallIntegerField("いつから（年）", null=True, blank=True)
    state_since_month = models.PositiveSmallIntegerField("いつから（月）", null=True, blank=True)
    since_is_approximate = models.BooleanField("おおよそ", default=True)
    age_at_onset = models.PositiveSmallIntegerField("始まった年齢", null=True, blank=True)
    triggers = EncryptedTextField("きっかけ")
    medical_flags = EncryptedJSONField(f"医療連携の検討（{SENSITIVE}）")
    medical_history = EncryptedTextField(f"医療・服薬の経過（{SENSITIVE}）")
    life_domains = EncryptedJSONField("生活の領域ごとの状況", default=dict)
    strengths = EncryptedTextField("強み・できていること")
    wishes_person = EncryptedTextField("本人の希望")
    wishes_family = EncryptedTextField("家族の希望")
    guideline_stage = models.CharField(
        "支援の段階（ガイドライン）", max_length=20, choices=GuidelineStage, blank=True
    )
    self_reliance_stage = models.CharField(
        "自立の段階", max_length=20, choices=SelfRelianceStage, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "アセスメント"
        ordering = ["case", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="one_assessment_number")
        ]

    def __str__(self) -> str:
        return f"アセスメント 第{self.number}版"


class SupportPlan(models.Model):
    """One version of the support plan. Saving a change adds the next version."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    number = models.PositiveIntegerField("版")
    long_term_goal = EncryptedTextField("長期目標", blank=False)
    short_term_goals = EncryptedTextField("短期目標", blank=False)
    services = EncryptedTextField("利用するサービス・資源")
    uses_work_readiness = models.BooleanField("就労準備支援事業を利用", default=False)
    work_readiness_started_on = models.DateField("就労準備支援の開始日", null=True, blank=True)
    work_readiness_extension_reason = EncryptedTextField("1年を超えて利用する理由")
    review_on = models.DateField("見直し日")
    approved_on = models.DateField("承認日", null=True, blank=True)
    approval_meeting = models.CharField(
        "承認した会議", max_length=200, blank=True, help_text="支援調整会議など"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "支援プラン"
        ordering = ["case", "-number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="one_plan_number")]

    def __str__(self) -> str:
        return f"プラン 第{self.number}版"


class PlanAction(models.Model):
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="actions")
    description = EncryptedCharField("取り組み", max_length=300, blank=False)
    responsible_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当職員",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    responsible_agency = models.ForeignKey(
        "collaboration.Agency",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = "プランの取り組み"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.description


class Activity(models.Model):
    """One entry of the activity log (支援経過記録)."""

    class Kind(models.TextChoices):
        INTERVIEW = "interview", "面談"
        PHONE = "phone", "電話"
        HOME_VISIT = "home_visit", "訪問"
        LETTER = "letter", "手紙・メモを置いた"
        ACCOMPANY = "accompany", "同行"
        EMAIL_SNS = "email_sns", "メール・SNS"
        AGENCY_LIAISON = "agency_liaison", "関係機関との連絡"
        MEETING = "meeting", "会議"
        OTHER = "other", "その他"

    class VisitOutcome(models.TextChoices):
        MET_PERSON = "met_person", "本人に会えた"
        FAMILY_ONLY = "family_only", "家族のみ"
        NOBODY = "nobody", "不在"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="activities")
    occurred_at = models.DateTimeField("日時", default=timezone.now)
    kind = models.CharField("種類", max_length=20, choices=Kind)
    visit_outcome = models.CharField("訪問の結果", max_length=20, choices=VisitOutcome, blank=True)
    met_person = models.BooleanField("本人と話せた・会えた", default=False)
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="参加した職員", related_name="+", blank=True
    )
    other_participants = EncryptedCharField("その他の参加者", max_length=200)
    content = EncryptedTextField("内容", blank=False)
    next_action = EncryptedCharField("次にすること", max_length=300)
    next_action_on = models.DateField("次の予定日", null=True, blank=True)
    is_out_of_hours = models.BooleanField("時間外", default=False, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Bumped by each correction (訂正); version 1 is the entry as first recorded. The versions
    # before a correction are kept in audit.PreviousVersion.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "支援経過"
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["case", "occurred_at"], name="activity_log"),
            # The contacts of a fiscal year for table B, read from the index on PostgreSQL.
            models.Index(
                fields=["occurred_at"], include=["case", "kind", "id"], name="activity_contact_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d}"

    # The kinds that are not a contact with the person or the family (table B leaves them out).
    NOT_CONTACT_KINDS = (Kind.AGENCY_LIAISON, Kind.MEETING)

    @property
    def is_contact(self) -> bool:
        """A contact with the person or the family (counted in table B)."""
        return self.kind not in self.NOT_CONTACT_KINDS

    @property
    def is_corrected(self) -> bool:
        """Corrected at least once (訂正あり): its previous versions are kept."""
        return self.version > 1
