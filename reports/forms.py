"""The report pages' choices: scope, fiscal year, suppression; the cross-tabulation's axes."""

from typing import Any

from django import forms
from django.utils import timezone

from reports.crosstab import DIMENSION_CHOICES, DIMENSIONS
from reports.scope import ReportScope
from reports.suppression import MAX_THRESHOLD
from tsunagu.dates import fiscal_year, fiscal_year_label

FIRST_YEAR = 2012  # the deck's series starts at 平成24年度


def current_fiscal_year() -> int:
    return fiscal_year(timezone.localdate())


def year_choices() -> list[tuple[int, str]]:
    return [
        (year, fiscal_year_label(year)) for year in range(current_fiscal_year(), FIRST_YEAR - 1, -1)
    ]


class ReportForm(forms.Form):
    scope = forms.ChoiceField(label="集計の範囲", required=False)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False)
    suppress = forms.IntegerField(
        label="小さい数を＊で伏せる（この数未満）",
        required=False,
        min_value=0,
        max_value=MAX_THRESHOLD,
        error_messages={
            "min_value": "0以上の数を入力してください。",
            "max_value": f"{MAX_THRESHOLD}以下の数を入力してください。",
            "invalid": "数字で入力してください。",
        },
    )

    def __init__(self, *args: Any, scopes: list[ReportScope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scope_field = self.fields["scope"]
        assert isinstance(scope_field, forms.ChoiceField)
        scope_field.choices = [(s.cache_key, s.label) for s in scopes]
        year_field = self.fields["year"]
        assert isinstance(year_field, forms.ChoiceField)
        year_field.choices = year_choices()
        year_field.error_messages["invalid_choice"] = "選べない年度です。一覧から選んでください。"


class CrossTabForm(ReportForm):
    rows = forms.ChoiceField(label="行", choices=DIMENSION_CHOICES, initial="age", required=False)
    columns = forms.ChoiceField(
        label="列", choices=DIMENSION_CHOICES, initial="channel", required=False
    )
    channel = forms.ChoiceField(label="相談方法で絞る", required=False)
    consulter = forms.ChoiceField(label="相談者で絞る", required=False)
    sex = forms.ChoiceField(label="性別で絞る", required=False)
    out_of_hours = forms.ChoiceField(label="時間外で絞る", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key in ("channel", "consulter", "sex", "out_of_hours"):
            field = self.fields[key]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "すべて"), *((c, c) for c in DIMENSIONS[key].columns)]


class SaveReportForm(forms.Form):
    name = forms.CharField(
        label="名前を付けて保存",
        max_length=100,
        error_messages={"required": "保存する名前を入力してください。"},
    )
