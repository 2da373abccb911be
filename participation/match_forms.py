"""The wishes form of the matching page (a GET form: searching changes nothing)."""

from decimal import Decimal
from typing import Any

from django import forms

from participation.matching import NEED_FIELDS, Wishes, condition_label
from participation.models import OfferKind
from supporters.models import Weekday
from tsunagu.forms import japanese_messages, short_text

NEED_CHOICES = [(name, condition_label(name)) for name in NEED_FIELDS]
MUST_AND_WISH = "同じ条件を「欠かせない条件」と「あるとよい条件」の両方には選べません: {names}"


class WishesForm(forms.Form):
    area = short_text("地域", 50)
    kinds = forms.MultipleChoiceField(
        label="種類",
        choices=OfferKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="選ばないときは、すべての種類から探します。",
    )
    weekdays = forms.MultipleChoiceField(
        label="通える曜日",
        choices=Weekday.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    max_hours_per_week = forms.DecimalField(
        label="週あたりの時間（まで）",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal(40),
        max_digits=3,
        decimal_places=1,
        help_text="例: 2（週2時間まで）",
    )
    musts = forms.MultipleChoiceField(
        label="欠かせない条件",
        choices=NEED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="この条件がない受入メニューは一覧に出しません。",
    )
    needs = forms.MultipleChoiceField(
        label="あるとよい条件",
        choices=NEED_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="当てはまる条件が多いほど上に並びます。",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["area"].help_text = "所在地または最寄り駅に含まれる言葉（例: つなぐ市、中央駅）"
        japanese_messages(self)
        self.fields["max_hours_per_week"].error_messages.update(
            {
                "invalid": "週あたりの時間は数字で入力してください（例: 2、1.5）。",
                "min_value": "週あたりの時間は0.5〜40時間の間で入力してください。",
                "max_value": "週あたりの時間は0.5〜40時間の間で入力してください。",
                "max_digits": "週あたりの時間は0.5〜40時間の間で入力してください。",
                "max_decimal_places": "週あたりの時間は小数点以下1桁までで入力してください。",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        both = set(data.get("musts") or []) & set(data.get("needs") or [])
        if both:
            names = "、".join(condition_label(name) for name in NEED_FIELDS if name in both)
            self.add_error("needs", MUST_AND_WISH.format(names=names))
        return data

    def wishes(self) -> Wishes:
        data = self.cleaned_data
        return Wishes(
            area=data["area"].strip(),
            kinds=tuple(data["kinds"]),
            weekdays=tuple(data["weekdays"]),
            max_hours_per_week=data["max_hours_per_week"],
            needs=tuple(data["needs"]),
            musts=tuple(data["musts"]),
        )


def initial_of(wishes: Wishes) -> dict[str, Any]:
    """The form's initial values from a pre-fill."""
    return {
        "area": wishes.area,
        "kinds": list(wishes.kinds),
        "weekdays": list(wishes.weekdays),
        "max_hours_per_week": wishes.max_hours_per_week,
        "musts": list(wishes.musts),
        "needs": list(wishes.needs),
    }
