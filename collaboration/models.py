"""The agency directory (地域資源) and referrals (つなぎ) followed until the person is connected."""

from datetime import date
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Organisation, OrganisationType
from tsunagu.fields import EncryptedCharField, EncryptedTextField


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
    # Bumped by each correction (訂正, `collaboration.directory.services.agency_correct`).
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "地域資源（関係機関）"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_corrected(self) -> bool:
        """Corrected at least once (訂正あり): its previous versions are kept."""
        return self.version > 1


class ReferralQuerySet(models.QuerySet["Referral"]):
    def undecided(self) -> "ReferralQuerySet":
        """Still 打診中・受入: not yet connected, ended or failed. A case with such a referral is
        not closed (`cases.services.case_close` asks its `referrals` for them)."""
        return self.filter(state__in=Referral.OPEN_STATES)


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
    purpose = EncryptedCharField("つなぐ目的", max_length=300, blank=False)
    state = models.CharField("状態", max_length=20, choices=State, default=State.PROPOSED)
    failed_reason = EncryptedCharField("不成立の理由", max_length=300)
    accompanied = models.BooleanField("同行する", default=False)
    referred_on = models.DateField("つないだ日", default=timezone.localdate)
    follow_up_on = models.DateField("確認する日")
    # The first meeting of the person with the agency, as its receiver records it.
    connected_on = models.DateField("初回面談の日", null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = "つなぎ"
        ordering = ["follow_up_on", "id"]
        indexes = [
            models.Index(fields=["state", "follow_up_on"], name="referral_follow_up"),
            models.Index(
                fields=["organisation", "referred_on"],
                include=["agency", "state"],
                name="referral_year",
            ),
        ]

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
    note = EncryptedCharField("メモ", max_length=300)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "つなぎの経過"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.get_state_display()}"


class InfoKind(models.TextChoices):
    """The kinds of information a consent can cover (and a disclosure names)."""

    BASIC = "basic", "基本情報"
    CONSULTATION = "consultation", "相談内容"
    HEALTH = "health", "健康・障害（要配慮個人情報）"
    FAMILY = "family", "家族の情報"


class Consent(models.Model):
    """The person's (or guardian's) consent to share information with other organisations.

    Valid from `given_on` to `expires_on`, unless withdrawn: a withdrawal takes effect at once.
    """

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    class GivenBy(models.TextChoices):
        PERSON = "person", "本人"
        GUARDIAN = "guardian", "保護者・成年後見人等"

    class Method(models.TextChoices):
        SIGNATURE = "signature", "署名"
        ORAL = "oral", "口頭"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="同意を記録した機関",
        on_delete=models.PROTECT,
        related_name="consents",
    )
    person = models.ForeignKey(
        "people.Person", verbose_name="本人", on_delete=models.PROTECT, related_name="consents"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="consents"
    )
    given_by = models.CharField("同意した人", max_length=20, choices=GivenBy)
    guardian_name = models.CharField("保護者・後見人の氏名", max_length=100, blank=True)
    method = models.CharField("同意の方法", max_length=20, choices=Method)
    purpose = EncryptedCharField("利用目的", max_length=300, blank=False)
    organisations = models.ManyToManyField(
        "accounts.Organisation", verbose_name="共有先の機関", blank=True, related_name="+"
    )
    agency_categories = models.JSONField("共有先の機関の種別", default=list, blank=True)
    info_kinds = models.JSONField("共有する情報", default=list)
    allows_multiagency_meeting = models.BooleanField("重層的支援会議で共有してよい", default=False)
    given_on = models.DateField("同意日")
    expires_on = models.DateField("有効期限")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField("撤回日時", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawal_note = EncryptedCharField("撤回の記録", max_length=300)

    class Meta:
        verbose_name = "同意"
        ordering = ["-given_on", "-id"]
        indexes = [models.Index(fields=["person", "expires_on"], name="consent_person_valid")]

    def __str__(self) -> str:
        return f"同意 #{self.pk}（{self.get_method_display()}）"

    def is_valid(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.withdrawn_at is None and self.given_on <= today <= self.expires_on

    def state_label(self, today: date | None = None) -> str:
        today = today or timezone.localdate()
        if self.withdrawn_at is not None:
            return "撤回済み"
        if today < self.given_on:
            return "開始前"
        if today > self.expires_on:
            return "期限切れ"
        return "有効"

    def covers_organisation(self, organisation: Organisation) -> bool:
        """Named in the consent, or of an agency category the consent names."""
        if any(named.pk == organisation.pk for named in self.organisations.all()):
            return True
        category = AgencyCategory.for_organisation_type(organisation.type)
        return category != AgencyCategory.OTHER and category in self.agency_categories

    def info_kind_labels(self) -> list[str]:
        return [InfoKind(kind).label for kind in self.info_kinds]


class Meeting(models.Model):
    """A meeting (会議) across agencies or inside one; its type decides what may be shared."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    class Kind(models.TextChoices):
        SUPPORT_MEETING = "support_meeting", "支援会議"
        MULTIAGENCY = "multiagency", "重層的支援会議"
        COORDINATION = "coordination", "支援調整会議"
        CASE_CONFERENCE = "case_conference", "ケース会議"

    # 社会福祉法 第106条の6 / 生活困窮者自立支援法 第9条: sharing without consent is lawful there.
    STATUTORY_KINDS: ClassVar[tuple[str, ...]] = (Kind.SUPPORT_MEETING,)
    CONSENT_REQUIRED_KINDS: ClassVar[tuple[str, ...]] = (Kind.MULTIAGENCY,)
    INTERNAL_KINDS: ClassVar[tuple[str, ...]] = (Kind.CASE_CONFERENCE,)

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="招集した機関",
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    kind = models.CharField("会議の種類", max_length=20, choices=Kind)
    title = models.CharField("会議名", max_length=200)
    held_at = models.DateTimeField("日時")
    place = models.CharField("場所", max_length=200, blank=True)
    online = models.BooleanField("オンライン", default=False)
    minutes = EncryptedTextField("議事録（非公開）")
    minutes_updated_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = "会議"
        ordering = ["-held_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}「{self.title}」"

    @classmethod
    def visible_q(cls, user: Any) -> models.Q:
        """Staff of the convening organisation, and the members from any organisation."""
        members = MeetingMember.objects.filter(user=user).values("meeting_id")
        return models.Q(organisation_id=user.organisation_id) | models.Q(pk__in=members)

    @property
    def is_statutory(self) -> bool:
        return self.kind in self.STATUTORY_KINDS

    @property
    def requires_consent(self) -> bool:
        return self.kind in self.CONSENT_REQUIRED_KINDS


class MeetingMember(models.Model):
    """A participant; members of a 支援会議 acknowledge confidentiality before seeing material."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="参加者", on_delete=models.PROTECT, related_name="+"
    )
    confidentiality_acknowledged_at = models.DateTimeField("守秘義務の確認", null=True, blank=True)
    attended = models.BooleanField("出席", default=False)

    class Meta:
        verbose_name = "会議の参加者"
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="one_membership_per_meeting")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.user_id}"


class AgendaItem(models.Model):
    """A case on a meeting's agenda; the consent that allowed it where the type needs one."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda")
    case = models.ForeignKey(
        "cases.Case", verbose_name="ケース", on_delete=models.PROTECT, related_name="agenda_items"
    )
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    material = EncryptedTextField("会議資料（要旨）")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "議題（ケース）"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "case"], name="one_agenda_item_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: ケース {self.case_id}"


class Decision(models.Model):
    class Kind(models.TextChoices):
        SUPPORT_DECISION = "support_decision", "支援決定"
        PLAN_APPROVAL = "plan_approval", "プラン承認"
        ROLE_SHARING = "role_sharing", "役割分担"
        CLOSURE = "closure", "終結"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="decisions"
    )
    plan = models.ForeignKey(
        "cases.SupportPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField("決定の種類", max_length=20, choices=Kind)
    text = EncryptedTextField("決定内容", blank=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "決定事項"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（会議 {self.meeting_id}）"


class ActionItem(models.Model):
    """A task decided at a meeting, with an owner and a due date (on the owner's watch list)."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    title = EncryptedCharField("やること", max_length=300, blank=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="担当者",
        on_delete=models.PROTECT,
        related_name="meeting_action_items",
    )
    due_on = models.DateField("期限")
    done_on = models.DateField("完了日", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = "アクション項目"
        ordering = ["due_on", "id"]
        indexes = [models.Index(fields=["owner", "done_on", "due_on"], name="action_item_owner")]

    def __str__(self) -> str:
        return self.title


class Discipline(models.TextChoices):
    """The prefectural centre's multi-professional team (p.32)."""

    MEDICAL = "medical", "医療"
    LEGAL = "legal", "法律"
    PSYCHOLOGY = "psychology", "心理"
    WELFARE = "welfare", "福祉"
    EMPLOYMENT = "employment", "就労"


class AdviceRequest(models.Model):
    """A municipality's request to the prefectural centre for specialist advice (専門的助言)."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    class State(models.TextChoices):
        OPEN = "open", "依頼中"
        ANSWERED = "answered", "回答あり"
        CLOSED = "closed", "終了"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="依頼した機関",
        on_delete=models.PROTECT,
        related_name="advice_requests",
    )
    centre = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="ひきこもり地域支援センター",
        on_delete=models.PROTECT,
        related_name="advice_requests_received",
    )
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="advice_requests")
    question = EncryptedTextField("相談したいこと（氏名・住所は書かない）", blank=False)
    disciplines = models.JSONField("助言を求める分野", default=list)
    identity_consent = models.ForeignKey(
        Consent,
        verbose_name="氏名等を伝える同意",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    state = models.CharField("状態", max_length=20, choices=State, default=State.OPEN)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "専門的助言の依頼"
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"助言依頼 #{self.pk}"

    @classmethod
    def visible_q(cls, user: Any) -> models.Q:
        """The asking organisation, and the centre the request was sent to."""
        own = user.organisation_id
        return models.Q(organisation_id=own) | models.Q(centre_id=own)

    def discipline_labels(self) -> list[str]:
        return [Discipline(d).label for d in self.disciplines if d in Discipline.values]


class Advice(models.Model):
    """The centre's answer: advice from one discipline, and joint direct support where agreed."""

    request = models.ForeignKey(AdviceRequest, on_delete=models.CASCADE, related_name="answers")
    specialist = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="専門職", on_delete=models.PROTECT, related_name="+"
    )
    discipline = models.CharField("分野", max_length=20, choices=Discipline)
    text = EncryptedTextField("助言", blank=False)
    joint_support = models.BooleanField(
        "センターも直接支援に加わる（同行・訪問など）", default=False
    )
    joint_support_note = EncryptedCharField("直接支援の内容", max_length=300)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "専門的助言"
        ordering = ["given_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_discipline_display()}の助言"
