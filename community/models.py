"""居場所 (places where people can simply be), their schedules and sessions, attendance that does
not force registration, reservations with a waiting list, and family groups on the same engine.
"""

from datetime import time
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from people.models import AgeBand, Sex
from people.names import loose_key
from tsunagu.fields import EncryptedCharField, EncryptedTextField


class PlaceKind(models.TextChoices):
    PERMANENT = "permanent", "常設"
    REGULAR = "regular", "定期"
    EVENT = "event", "イベント"


class Audience(models.TextChoices):
    PERSON = "person", "本人"
    FAMILY = "family", "家族"
    MIDDLE_AGED = "middle_aged", "中高年"
    WOMEN = "women", "女性"
    YOUTH = "youth", "若者"
    ANYONE = "anyone", "どなたでも"


class ReservationPolicy(models.TextChoices):
    RESERVATION = "reservation", "予約制"
    FREE = "free", "自由参加"


class FamilyProgramme(models.TextChoices):
    NONE = "", "（家族向けの会ではない）"
    FAMILY_MEETING = "family_meeting", "家族会"
    FAMILY_CLASS = "family_class", "家族教室"
    PSYCHOEDUCATION = "psychoeducation", "家族心理教育"
    LIFE_PLAN = "life_plan", "ライフプラン講習（親なき後）"


class Programme(models.TextChoices):
    FREE_SPACE = "free_space", "フリースペース"
    TEA = "tea", "茶話会"
    STUDY = "study", "学習支援"
    VOLUNTEER = "volunteer", "ボランティア活動"
    WORK_EXPERIENCE = "work_experience", "就労体験"
    LECTURE = "lecture", "講座"
    FAMILY_MEETING = "family_meeting", "家族の会"


class Place(models.Model):
    """A 居場所 or a family group. A place with history is archived, never deleted."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="運営機関",
        on_delete=models.PROTECT,
        related_name="places",
    )
    name = models.CharField("名称", max_length=120)
    kind = models.CharField("種類", max_length=20, choices=PlaceKind, default=PlaceKind.REGULAR)
    audience = models.CharField("対象", max_length=20, choices=Audience, default=Audience.ANYONE)
    family_programme = models.CharField(
        "家族支援の種類", max_length=20, choices=FamilyProgramme, blank=True, default=""
    )
    reservation_policy = models.CharField(
        "参加方法", max_length=20, choices=ReservationPolicy, default=ReservationPolicy.FREE
    )
    capacity = models.PositiveSmallIntegerField("定員", null=True, blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)
    latitude = models.DecimalField("緯度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("経度", max_digits=9, decimal_places=6, null=True, blank=True)
    access_notes = models.TextField(
        "アクセス・設備", blank=True, help_text="例: 最寄り駅、バリアフリー、駐車場"
    )
    contact = models.CharField("問い合わせ先", max_length=200, blank=True)
    description = models.TextField("紹介文", blank=True)
    is_public = models.BooleanField("公開ページに載せる", default=False)
    archived_at = models.DateTimeField("アーカイブ日時", null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "居場所"
        ordering = ["organisation_id", "name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def takes_reservations(self) -> bool:
        return self.reservation_policy == ReservationPolicy.RESERVATION

    @property
    def is_family_group(self) -> bool:
        return bool(self.family_programme)


class CurriculumUnit(models.Model):
    """One numbered session of a curriculum (家族心理教育 第1回 …)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="curriculum")
    number = models.PositiveSmallIntegerField("回")
    title = models.CharField("内容", max_length=200)

    class Meta:
        verbose_name = "カリキュラム"
        ordering = ["place", "number"]
        constraints = [
            models.UniqueConstraint(fields=["place", "number"], name="one_curriculum_unit_number")
        ]

    def __str__(self) -> str:
        return f"第{self.number}回 {self.title}"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "毎週"
    BIWEEKLY = "biweekly", "隔週"
    MONTHLY_NTH = "monthly_nth", "毎月 第n週の曜日"
    MONTHLY_DAY = "monthly_day", "毎月 日付"


class Weekday(models.IntegerChoices):
    MONDAY = 0, "月曜"
    TUESDAY = 1, "火曜"
    WEDNESDAY = 2, "水曜"
    THURSDAY = 3, "木曜"
    FRIDAY = 4, "金曜"
    SATURDAY = 5, "土曜"
    SUNDAY = 6, "日曜"


class Schedule(models.Model):
    """A recurrence: 毎週水曜 13:00-16:00, 第2・第4土曜, 毎月15日 …; limited to two years ahead."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "place__organisation"

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="schedules")
    frequency = models.CharField("繰り返し", max_length=20, choices=Frequency)
    weekday = models.PositiveSmallIntegerField("曜日", choices=Weekday, null=True, blank=True)
    weeks_of_month = models.JSONField("第何週", default=list, blank=True)
    day_of_month = models.PositiveSmallIntegerField("日", null=True, blank=True)
    start_time = models.TimeField("開始時刻")
    end_time = models.TimeField("終了時刻")
    starts_on = models.DateField("開始日")
    ends_on = models.DateField("終了日")
    closed_on_holidays = models.BooleanField("祝日は休み", default=True)
    programme = models.CharField(
        "プログラム", max_length=20, choices=Programme, default=Programme.FREE_SPACE
    )
    title = models.CharField("名称（任意）", max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "開催予定（繰り返し）"
        ordering = ["place", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="schedule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="schedule_ends_on_after_starts_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place}: {self.describe()}"

    def describe(self) -> str:
        """The recurrence in words, e.g. 毎週水曜 13:00〜16:00."""
        times = f"{self.start_time:%H:%M}〜{self.end_time:%H:%M}"
        weekday = Weekday(self.weekday).label if self.weekday is not None else ""
        if self.frequency == Frequency.WEEKLY:
            rule = f"毎週{weekday}"
        elif self.frequency == Frequency.BIWEEKLY:
            rule = f"隔週{weekday}"
        elif self.frequency == Frequency.MONTHLY_NTH:
            weeks = "・".join(f"第{n}" for n in sorted(self.weeks_of_month))
            rule = f"毎月{weeks}{weekday}"
        else:
            rule = f"毎月{self.day_of_month}日"
        holiday = "（祝日は休み）" if self.closed_on_holidays else ""
        return f"{rule} {times}{holiday}"


class ScheduleException(models.Model):
    """休み on a date the schedule would hold a session, or 臨時開催 on a date it would not."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "休み"
        EXTRA = "extra", "臨時開催"

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField("日付")
    kind = models.CharField("種類", max_length=10, choices=Kind)
    note = models.CharField("理由・メモ", max_length=200, blank=True)

    class Meta:
        verbose_name = "開催予定の例外"
        ordering = ["schedule", "date"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "date"], name="one_exception_per_date")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Session(models.Model):
    """One opening of a place on one day (generated from a schedule, or ad hoc)."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "place__organisation"

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="sessions")
    schedule = models.ForeignKey(
        Schedule,
        verbose_name="開催予定",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
    )
    date = models.DateField("開催日", db_index=True)
    start_time = models.TimeField("開始時刻")
    end_time = models.TimeField("終了時刻")
    programme = models.CharField(
        "プログラム", max_length=20, choices=Programme, default=Programme.FREE_SPACE
    )
    title = models.CharField("名称（任意）", max_length=120, blank=True)
    curriculum_unit = models.ForeignKey(
        CurriculumUnit,
        verbose_name="カリキュラムの回",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="担当スタッフ", related_name="+", blank=True
    )
    notes = EncryptedTextField("メモ")
    is_cancelled = models.BooleanField("休み", default=False)
    cancel_reason = models.CharField("休みの理由", max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "開催回"
        ordering = ["date", "start_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_time__gt=models.F("start_time")),
                name="session_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["place", "date"], name="session_place_date")]

    def __str__(self) -> str:
        return f"{self.place} {self.date:%Y-%m-%d} {self.start_time:%H:%M}"

    @property
    def label(self) -> str:
        if self.title:
            return self.title
        if self.curriculum_unit_id is not None and self.curriculum_unit is not None:
            return str(self.curriculum_unit)
        return self.get_programme_display()

    @property
    def is_evening_or_weekend(self) -> bool:
        return self.date.weekday() >= 5 or self.start_time >= time(17, 0)

    @property
    def is_in_the_future(self) -> bool:
        """The session's day is still ahead: it may be reserved, not yet attended. A session of
        today counts as held (people arrive before the start, the tablet is set up early)."""
        return self.date > timezone.localdate()


class NicknameParticipant(models.Model):
    """Someone who comes under a nickname only. May later be linked to a person, and unlinked:
    the attendance rows stay with the nickname, so unlinking restores both records exactly.
    """

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="機関",
        on_delete=models.PROTECT,
        related_name="+",
    )
    nickname = models.CharField("ニックネーム", max_length=60)
    # The nickname's loose key (people.names.loose_key: ソラ = そら, ﾐｶﾝ = ミカン), kept with the
    # row so that the same visitor is found before a second participant is created for them.
    nickname_key = models.CharField(max_length=120, editable=False, default="")
    age_band = models.CharField(
        "年代", max_length=10, choices=AgeBand, default=AgeBand.UNKNOWN, blank=True
    )
    sex = models.CharField("性別", max_length=10, choices=Sex, default=Sex.UNKNOWN, blank=True)
    linked_person = models.ForeignKey(
        "people.Person",
        verbose_name="本人の記録",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="nicknames",
    )
    linked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "ニックネーム参加者"
        ordering = ["organisation_id", "nickname", "id"]
        indexes = [
            models.Index(fields=["organisation", "nickname_key"], name="nickname_org_key"),
        ]

    def __str__(self) -> str:
        return self.nickname

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.nickname_key = loose_key(self.nickname)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "nickname" in update_fields:
            kwargs["update_fields"] = {*update_fields, "nickname_key"}
        super().save(*args, **kwargs)


class Attendance(models.Model):
    """One line of a session's attendance: a registered person, a nickname, or a head count."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "session__place__organisation"

    class Kind(models.TextChoices):
        REGISTERED = "registered", "登録者"
        NICKNAME = "nickname", "ニックネーム"
        ANONYMOUS = "anonymous", "匿名（人数のみ）"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendances")
    kind = models.CharField("種類", max_length=20, choices=Kind)
    person = models.ForeignKey(
        "people.Person",
        verbose_name="本人・家族",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
    )
    nickname = models.ForeignKey(
        NicknameParticipant,
        verbose_name="ニックネーム",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attendances",
    )
    head_count = models.PositiveSmallIntegerField("人数", default=1)
    first_time_count = models.PositiveSmallIntegerField("うち初めての人数", default=0)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "出席"
        ordering = ["session", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(
                        kind="registered",
                        person__isnull=False,
                        nickname__isnull=True,
                        head_count=1,
                    )
                    | models.Q(
                        kind="nickname", person__isnull=True, nickname__isnull=False, head_count=1
                    )
                    | models.Q(
                        kind="anonymous",
                        person__isnull=True,
                        nickname__isnull=True,
                        head_count__gt=0,
                    )
                ),
                name="attendance_kind_matches_fields",
            ),
            models.CheckConstraint(
                condition=models.Q(first_time_count__lte=models.F("head_count")),
                name="attendance_first_time_within_head_count",
            ),
            models.UniqueConstraint(
                fields=["session", "person"],
                condition=models.Q(person__isnull=False),
                name="one_attendance_per_person",
            ),
            models.UniqueConstraint(
                fields=["session", "nickname"],
                condition=models.Q(nickname__isnull=False),
                name="one_attendance_per_nickname",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.get_kind_display()}"


class Reservation(models.Model):
    """A reservation for a session of a 予約制 place, taken by staff from the phone or SNS."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "session__place__organisation"

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "予約済み"
        WAITING = "waiting", "キャンセル待ち"
        CANCELLED = "cancelled", "取り消し"

    class Channel(models.TextChoices):
        PHONE = "phone", "電話"
        SNS = "sns", "SNS"
        EMAIL = "email", "メール"
        IN_PERSON = "in_person", "来所・窓口"

    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="reservations")
    person = models.ForeignKey(
        "people.Person",
        verbose_name="本人・家族",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
    )
    nickname = models.ForeignKey(
        NicknameParticipant,
        verbose_name="ニックネーム",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reservations",
    )
    status = models.CharField("状態", max_length=20, choices=Status)
    channel = models.CharField("受付方法", max_length=20, choices=Channel, default=Channel.PHONE)
    note = EncryptedCharField("メモ", max_length=200)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )

    class Meta:
        verbose_name = "予約"
        ordering = ["session", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(person__isnull=False, nickname__isnull=True)
                | models.Q(person__isnull=True, nickname__isnull=False),
                name="reservation_names_one_participant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session}: {self.get_status_display()}"
