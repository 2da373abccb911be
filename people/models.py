"""Persons (本人) who may be unnamed, their phones, households (世帯) and memberships."""

import unicodedata
from datetime import date
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone

from people import names
from tsunagu.dates import age_on
from tsunagu.fields import EncryptedCharField, EncryptedTextField


class Sex(models.TextChoices):
    MALE = "male", "男性"
    FEMALE = "female", "女性"
    OTHER = "other", "その他"
    UNKNOWN = "unknown", "不明"


class AgeBand(models.TextChoices):
    UNDER_10 = "under_10", "10歳未満"
    TEENS = "10s", "10代"
    TWENTIES = "20s", "20代"
    THIRTIES = "30s", "30代"
    FORTIES = "40s", "40代"
    FIFTIES = "50s", "50代"
    SIXTIES = "60s", "60代"
    SEVENTIES = "70s", "70代"
    EIGHTY_PLUS = "80plus", "80歳以上"
    UNKNOWN = "unknown", "年齢不明"

    @classmethod
    def for_age(cls, age: int) -> "AgeBand":
        if age < 10:
            return cls.UNDER_10
        if age >= 80:
            return cls.EIGHTY_PLUS
        return cls(f"{age // 10 * 10}s")


class ContactPreference(models.TextChoices):
    LETTER_ONLY = "letter_only", "手紙のみ"
    PHONE = "phone", "電話可"
    VIA_FAMILY = "via_family", "家族経由"
    NO_VISIT = "no_visit", "訪問不可"
    SNS = "sns", "SNS可"


class RestrictionReason(models.TextChoices):
    DV = "dv", "DV"
    ABUSE = "abuse", "虐待"
    FAMILY_CONFLICT = "family_conflict", "家族間の対立"
    OTHER = "other", "その他"


class PersonQuerySet(models.QuerySet["Person"]):
    def current(self) -> "PersonQuerySet":
        """Records that have not been merged into another."""
        return self.filter(merged_into__isnull=True)


class Person(models.Model):
    """A person of concern (本人) or a family member. May have no name, only an alias."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"
    # The columns refresh_keys() derives from the names.
    KEY_COLUMNS: ClassVar[tuple[str, ...]] = (
        "name_key",
        "search_text",
        "reading_key",
        "given_key",
        "given_reading_key",
        "alias_key",
    )

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        related_name="persons",
    )
    family_name = models.CharField("姓", max_length=60, blank=True)
    given_name = models.CharField("名", max_length=60, blank=True)
    family_name_kana = models.CharField("セイ（自己申告の読み）", max_length=120, blank=True)
    given_name_kana = models.CharField("メイ（自己申告の読み）", max_length=120, blank=True)
    koseki_kana = models.CharField("戸籍上の読み", max_length=240, blank=True)
    alias = models.CharField(
        "仮名・呼び名", max_length=120, blank=True, help_text="例: Bさんの長男、ニックネーム"
    )
    birth_date = models.DateField("生年月日", null=True, blank=True, db_index=True)
    estimated_age = models.PositiveSmallIntegerField("推定年齢", null=True, blank=True)
    estimated_on = models.DateField("推定した日", null=True, blank=True)
    age_band = models.CharField(
        "年代", max_length=10, choices=AgeBand, default=AgeBand.UNKNOWN, blank=True
    )
    sex = models.CharField("性別", max_length=10, choices=Sex, default=Sex.UNKNOWN)
    postal_code = models.CharField("郵便番号", max_length=7, blank=True)
    address = models.CharField("住所（都道府県・市区町村・町域）", max_length=200, blank=True)
    address_detail = models.CharField("番地・建物名", max_length=200, blank=True)
    contact_preferences = models.JSONField("連絡方法の希望", default=list, blank=True)
    phone_hours = models.CharField("電話可能な時間帯", max_length=100, blank=True)
    contact_note = EncryptedCharField("連絡についての注意", max_length=300)
    is_restricted = models.BooleanField("制限対象者（DV・虐待など）", default=False)
    # Encrypted: the reason (DV, abuse) is itself 要配慮; `is_restricted` stays plain for access.
    restriction_reason = EncryptedCharField("制限の理由", max_length=20, choices=RestrictionReason)
    # Who may see a restricted person's identity (the owning team); later the case team joins.
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="担当チーム", related_name="+", blank=True
    )
    # Matching keys (people/names.py), derived on save; the search indexes are built on them.
    name_key = models.CharField(max_length=240, blank=True, editable=False, db_index=True)
    search_text = models.TextField(blank=True, editable=False)
    # Prefix keys for queries too short for the substring indexes (people/search.py): the loose
    # key of the reading, and the strict and loose keys of the given name and its reading.
    reading_key = models.CharField(max_length=240, blank=True, editable=False)
    given_key = models.CharField(max_length=120, blank=True, editable=False)
    given_reading_key = models.CharField(max_length=120, blank=True, editable=False)
    # The alias alone (Bさんの長男), loose, matched anywhere by the search, however short the query.
    alias_key = models.CharField(max_length=120, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="統合先",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_records",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = "本人・家族"
        ordering = ["name_key", "id"]
        indexes = [
            # Table A's age at the first contact: the birth date without reading the row.
            models.Index(fields=["id"], include=["birth_date"], name="person_birth_date"),
            models.Index(fields=["organisation", "merged_into"], name="person_scope"),
            # Prefix searches (people/search.py): a key range within one organisation.
            models.Index(fields=["organisation", "name_key"], name="person_name_prefix"),
            models.Index(fields=["organisation", "reading_key"], name="person_reading_prefix"),
            models.Index(fields=["organisation", "given_key"], name="person_given_prefix"),
            models.Index(
                fields=["organisation", "given_reading_key"], name="person_given_reading_prefix"
            ),
            # Aliases (Bさんの長男) are searched by their start and by any part of alias_key;
            # few persons have one. Narrow: the search scans these entries index-only on
            # PostgreSQL (the access scope reads organisation, merged_into, is_restricted, id).
            models.Index(
                fields=["organisation", "merged_into", "alias_key"],
                include=["id", "is_restricted"],
                name="person_alias_key",
                condition=~models.Q(alias=""),
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.alias or f"氏名不明 #{self.pk}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.refresh_keys()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, *self.KEY_COLUMNS}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name, self.given_name) if part)

    @property
    def full_name_kana(self) -> str:
        return " ".join(part for part in (self.family_name_kana, self.given_name_kana) if part)

    @property
    def restricted_label(self) -> str:
        return f"制限対象者 #{self.pk}"

    def refresh_keys(self) -> None:
        self.name_key = names.name_key(self.full_name)
        self.search_text = " ".join(dict.fromkeys(k for k in self.search_keys() if k))
        self.reading_key = names.loose_key(self.full_name_kana or self.koseki_kana)
        self.given_key = names.name_key(self.given_name)
        self.given_reading_key = names.loose_key(self.given_name_kana)
        self.alias_key = names.loose_key(self.alias)
        # NFKC can lengthen a name (㍿ → 株式会社, ヿ → コト): a key longer than its column is cut,
        # which only costs matching on the end of an extraordinary name.
        for column in self.KEY_COLUMNS:
            field = self._meta.get_field(column)
            if isinstance(field, models.CharField) and field.max_length:
                setattr(self, column, getattr(self, column)[: field.max_length])

    def search_keys(self) -> list[str]:
        """Every spelling a worker might type: name, reading, alias, and mixed surname/reading."""
        name_kana_mix = [
            self.family_name + self.given_name_kana,
            self.family_name_kana + self.given_name,
        ]
        texts = [self.full_name, self.full_name_kana, self.koseki_kana, self.alias, *name_kana_mix]
        keys = [names.name_key(text) for text in texts]
        keys += [names.loose_key(text) for text in texts[:3]]
        return keys

    def age(self, on: date | None = None) -> int | None:
        on = on or timezone.localdate()
        if self.birth_date:
            return age_on(self.birth_date, on)
        if self.estimated_age is not None:
            since = self.estimated_on or self.created_at.date()
            return self.estimated_age + max(0, age_on(since, on))
        return None

    def age_label(self, on: date | None = None) -> str:
        age = self.age(on)
        if age is None:
            return AgeBand(self.age_band or AgeBand.UNKNOWN).label
        if self.birth_date:
            return f"{age}歳"
        return f"推定{age}歳"

    def contact_preference_labels(self) -> list[str]:
        return [ContactPreference(code).label for code in self.contact_preferences]

    def unrenderable_chars(self) -> list[str]:
        return names.has_unrenderable_chars(self.full_name + self.alias)


class PersonPhone(models.Model):
    class Kind(models.TextChoices):
        MOBILE = "mobile", "携帯"
        HOME = "home", "自宅"
        WORK = "work", "勤務先"
        OTHER = "other", "その他"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField("電話番号", max_length=30)
    digits = models.CharField(max_length=20, editable=False, db_index=True)
    kind = models.CharField("種別", max_length=10, choices=Kind, default=Kind.MOBILE)
    note = EncryptedCharField("備考", max_length=100)

    class Meta:
        verbose_name = "電話番号"

    def __str__(self) -> str:
        return self.number

    def save(self, *args: object, **kwargs: object) -> None:
        self.digits = "".join(ch for ch in self.number if ch.isdigit())
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def kind_of_number(cls, number: str) -> "PersonPhone.Kind":
        """The kind a Japanese number shows by its prefix: 060/070/080/090 are mobile numbers;
        050 (IP phones) and 0120/0570/0800 (free dial, navi dial) are not a home line; any other
        number starting with 0 is a fixed line, taken as the home's (the form has no kind)."""
        digits = "".join(ch for ch in unicodedata.normalize("NFKC", number) if ch.isdigit())
        if digits[:3] in {"060", "070", "080", "090"}:
            return cls.Kind.MOBILE
        if digits[:3] == "050" or digits[:4] in {"0120", "0570", "0800"}:
            return cls.Kind.OTHER
        return cls.Kind.HOME if digits.startswith("0") else cls.Kind.OTHER


class Relationship(models.TextChoices):
    """続柄, as seen from the household's key person (世帯の中心となる人)."""

    SELF = "self", "本人"
    HEAD = "head", "世帯主"
    SPOUSE = "spouse", "配偶者"
    CHILD = "child", "子"
    FATHER = "father", "父"
    MOTHER = "mother", "母"
    SIBLING = "sibling", "兄弟姉妹"
    GRANDPARENT = "grandparent", "祖父母"
    GRANDCHILD = "grandchild", "孫"
    OTHER_RELATIVE = "other_relative", "その他の親族"
    COHABITANT = "cohabitant", "同居人"
    OTHER = "other", "その他"


class Household(models.Model):
    """A household (世帯): the unit the seed asks us to support as one (8050 problem)."""

    ACCESS_ORGANISATION_FIELD: ClassVar[str] = "organisation"

    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name="担当機関",
        on_delete=models.PROTECT,
        related_name="households",
    )
    label = models.CharField("世帯の呼び名", max_length=100, help_text="例: 高橋さん世帯")
    postal_code = models.CharField("郵便番号", max_length=7, blank=True)
    address = models.CharField("住所", max_length=200, blank=True)
    note = EncryptedTextField("メモ")
    members = models.ManyToManyField(
        Person, through="HouseholdMembership", related_name="households"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = "世帯"
        ordering = ["label", "id"]

    def __str__(self) -> str:
        return self.label


class HouseholdMembership(models.Model):
    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships")
    relationship = models.CharField("続柄", max_length=20, choices=Relationship)
    joined_on = models.DateField("加入日", null=True, blank=True)
    left_on = models.DateField("離脱日", null=True, blank=True)
    lives_together = models.BooleanField("同居", default=True)
    is_key_contact = models.BooleanField("主な連絡先", default=False)

    class Meta:
        verbose_name = "世帯員"
        ordering = ["household", "left_on", "joined_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(joined_on__isnull=True)
                | models.Q(left_on__gte=models.F("joined_on")),
                name="membership_leaves_after_joining",
            )
        ]

    def __str__(self) -> str:
        return f"{self.household}: {self.person}（{self.get_relationship_display()}）"

    @property
    def is_current(self) -> bool:
        return self.left_on is None or self.left_on >= timezone.localdate()


class PersonMerge(models.Model):
    """A merge of a duplicate into the kept record, with every moved link, so it can be undone."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    merged = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_absorbed")
    # {"app_label.model.field": [ids of the rows moved from `merged` to `kept`]}, and under
    # "people.Person.team" the ids of the users the merge added to kept's team.
    moved_links = models.JSONField(default=dict)
    # Names of the fields of `kept` that were blank and filled from `merged`; undo clears them.
    filled_fields = models.JSONField(default=list)
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    merged_at = models.DateTimeField(default=timezone.now)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "重複記録の統合"
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"#{self.merged_id} → #{self.kept_id}"


class DuplicateCandidate(models.Model):
    """A pair of records that may be the same person, waiting for a coordinator's decision."""

    class Status(models.TextChoices):
        OPEN = "open", "未確認"
        DIFFERENT = "different", "別人と判断"
        MERGED = "merged", "統合済み"

    first = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField("一致度")
    status = models.CharField("状態", max_length=10, choices=Status, default=Status.OPEN)
    found_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "重複の候補"
        ordering = ["-score", "id"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_candidate_per_pair"),
            models.CheckConstraint(
                condition=models.Q(first__lt=models.F("second")), name="candidate_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_queue")]

    def __str__(self) -> str:
        return f"#{self.first_id} ≈ #{self.second_id}（{self.score:.2f}）"
