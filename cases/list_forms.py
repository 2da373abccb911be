"""The case list's filters (a GET form) and its sortable columns, applied in SQL."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from cases.access import mine
from cases.models import Case, Stage, contact_due_on
from collaboration.models import Referral
from tsunagu.dates import fiscal_year, fiscal_year_label, fiscal_year_range
from tsunagu.forms import japanese_messages
from tsunagu.listing import Sort

CASE_SORTS = (
    Sort("opened", "開始日", ("opened_on",)),
    Sort("stage", "段階", ("stage",)),
    Sort("lead", "主担当", ("lead_worker__display_name", "lead_worker__username")),
    Sort("last_contact", "最後の連絡", ("last_contact_on",)),
)
DEFAULT_CASE_SORT = "-opened"
# Fiscal years offered: the municipal programme (2015–) to next year.
FIRST_FISCAL_YEAR = 2015
MAX_DAYS = 3650
# A typed record number beyond any id is refused before it reaches the database.
MAX_RECORD_ID = 2_147_483_647


class CaseFilterForm(forms.Form):
    scope = forms.ChoiceField(
        label="範囲",
        choices=[("", "わたしとチームのケース"), ("organisation", "機関のすべてのケース")],
        required=False,
    )
    stage = forms.ChoiceField(label="段階", required=False)
    lead = forms.TypedChoiceField(label="主担当", coerce=int, empty_value=None, required=False)
    no_contact_days = forms.IntegerField(
        label="最後の連絡から（日以上）",
        min_value=1,
        max_value=MAX_DAYS,
        required=False,
        help_text="例: 30（連絡がまだないケースは開始日から数えます）",
    )
    contact_overdue = forms.BooleanField(label="連絡の期限を過ぎた", required=False)
    review_due = forms.BooleanField(label="プランの見直し時期", required=False)
    unmet = forms.BooleanField(label="本人にまだ会えていない", required=False)
    open_referral = forms.BooleanField(label="つなぎが完了していない", required=False)
    fiscal_year = forms.TypedChoiceField(
        label="開始した年度", coerce=int, empty_value=None, required=False
    )
    # Set by the link 「すべて見る」 of the person page's cases (people.hub_views).
    person = forms.IntegerField(
        label="本人の記録番号",
        min_value=1,
        max_value=MAX_RECORD_ID,
        required=False,
        widget=forms.NumberInput(attrs={"size": 6}),
    )

    def __init__(self, data: Any, *, user: User, today: date) -> None:
        super().__init__(data)
        self.today = today
        self.choice_field("stage").choices = [
            ("", "すべて"),
            ("open", "終結以外すべて"),
            *Stage.choices,
        ]
        staff = User.objects.filter(organisation_id=user.organisation_id or 0).order_by(
            "display_name", "username", "id"
        )
        self.choice_field("lead").choices = [("", "すべて")] + [
            (pk, display_name or username)
            for pk, display_name, username in staff.values_list("pk", "display_name", "username")
        ]
        years = range(fiscal_year(today) + 1, FIRST_FISCAL_YEAR - 1, -1)
        self.choice_field("fiscal_year").choices = [("", "すべて")] + [
            (year, fiscal_year_label(year)) for year in years
        ]
        japanese_messages(self)
        for name in ("no_contact_days",):
            self.fields[name].error_messages["min_value"] = "1以上の日数を入力してください。"
            self.fields[name].error_messages["max_value"] = f"{MAX_DAYS}日以下にしてください。"
            self.fields[name].error_messages["invalid"] = "日数は半角の数字で入力してください。"
        self.fields["person"].error_messages["invalid"] = "記録番号は半角の数字で入力してください。"
        self.fields["person"].error_messages["min_value"] = "記録番号は1以上です。"
        self.fields["person"].error_messages["max_value"] = "その記録番号はありません。"

    def choice_field(self, name: str) -> forms.ChoiceField:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        return field

    @property
    def whole_organisation(self) -> bool:
        return self.value("scope") == "organisation"

    def value(self, name: str) -> Any:
        """A filter's value when it is valid; an invalid one is shown with its message and
        not applied, so that the rest of the list still answers."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name)

    def apply(self, queryset: QuerySet[Case], user: User) -> QuerySet[Case]:
        if not self.whole_organisation:
            queryset = queryset.filter(mine(user))
        stage = self.value("stage")
        if stage == "open":
            queryset = queryset.exclude(stage=Stage.CLOSED)
        elif stage:
            queryset = queryset.filter(stage=stage)
        if self.value("lead"):
            queryset = queryset.filter(lead_worker_id=self.value("lead"))
        if self.value("no_contact_days"):
            before = self.today - timedelta(days=self.value("no_contact_days"))
            queryset = queryset.filter(
                Q(last_contact_on__lt=before)
                | Q(last_contact_on__isnull=True, opened_on__lt=before)
            )
        if self.value("contact_overdue"):
            # The watch list's rule: an open case whose next contact was due before today.
            queryset = (
                queryset.exclude(stage=Stage.CLOSED)
                .alias(due_on=contact_due_on())
                .filter(Q(due_on__lt=self.today))
            )
        if self.value("review_due"):
            queryset = queryset.exclude(stage=Stage.CLOSED).filter(review_on__lte=self.today)
        if self.value("unmet"):
            queryset = queryset.filter(first_met_on__isnull=True)
        if self.value("open_referral"):
            open_referrals = Referral.objects.filter(
                case_id=OuterRef("pk"), state__in=Referral.OPEN_STATES
            )
            queryset = queryset.filter(Exists(open_referrals))
        if self.value("fiscal_year"):
            first, last = fiscal_year_range(self.value("fiscal_year"))
            queryset = queryset.filter(opened_on__range=(first, last))
        if self.value("person"):
            queryset = queryset.filter(person_id=self.value("person"))
        return queryset

    @property
    def is_filtered(self) -> bool:
        return any(self.value(name) for name in self.fields if name != "scope")
