"""Forms of the host registry pages. They check input only; the services keep the rules."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from participation.models import Host, HostKind, HostStatus, Offer, OfferKind
from people.forms import fill_address_from_postal_code, postal_code_field
from people.validation import normalise_postal_code
from supporters.models import Weekday
from tsunagu.forms import BLANK, date_field, japanese_messages, short_text, text_area

SUGGESTION_FIELD_HELP = "変えたい項目だけを直してください。今と同じ項目は提案に含まれません。"


class HostForm(forms.Form):
    name = short_text("受入先の名称", 200, required=True)
    kind = forms.ChoiceField(label="種別", choices=[BLANK, *HostKind.choices])
    status = forms.ChoiceField(label="状況", choices=HostStatus.choices)
    shared_in_prefecture = forms.BooleanField(
        label="県内の窓口と共有する",
        required=False,
        help_text="共有すると、県内の相談窓口の職員がこの受入先と受入メニューを見られます。"
        "編集できるのは、あなたの機関の職員だけです。",
    )
    postal_code = postal_code_field()
    address = short_text("所在地", 200)
    nearest_station = short_text("最寄り駅・バス停", 100)
    contact_name = short_text("担当者", 100)
    contact_phone = short_text("担当者の電話番号", 30)
    contact_email = forms.EmailField(label="担当者のメールアドレス", required=False)
    needs_and_worries = text_area("受入先の希望・心配ごと")
    notes = text_area("メモ")
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    DATA_FIELDS = Host.EDITABLE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_email"].error_messages["invalid"] = (
            "メールアドレスの形で入力してください（例: tanto@example.jp）。"
        )
        japanese_messages(self)

    def clean_postal_code(self) -> str:
        return normalise_postal_code(self.cleaned_data.get("postal_code", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fill_address_from_postal_code(self, cleaned)
        return cleaned

    def host_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DATA_FIELDS if name in self.fields}

    @classmethod
    def initial_of(cls, host: Host) -> dict[str, Any]:
        return {
            **{name: getattr(host, name) for name in cls.DATA_FIELDS},
            "version": host.version,
        }


class SuggestionForm(HostForm):
    """The host's fields as they are, for a worker of another organisation to change and send
    as a proposal; sharing stays the owner's choice."""

    note = text_area("提案の理由", rows=2)

    DATA_FIELDS = tuple(name for name in Host.EDITABLE_FIELDS if name != "shared_in_prefecture")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["shared_in_prefecture"]
        del self.fields["version"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="判断", choices=[("accept", "反映する"), ("decline", "見送る")]
    )
    decision_note = short_text("見送る理由", 300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class VisitForm(forms.Form):
    visited_on = date_field("訪問日", required=True)
    notes = text_area("話したこと", required=True, rows=4)
    next_step = short_text("次にすること", 300)
    next_step_on = date_field("次にする日")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class AttendeeChoiceField(forms.ModelMultipleChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name}（{obj.organisation}）"


class TourForm(forms.Form):
    held_on = date_field("開催日", required=True)
    notes = text_area("内容", rows=3)
    attendees = AttendeeChoiceField(
        label="参加した職員",
        queryset=User.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, staff: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = staff  # type: ignore[attr-defined]
        japanese_messages(self)


def _minutes_field() -> forms.IntegerField:
    field = forms.IntegerField(
        label="初回の短い時間（分）",
        required=False,
        min_value=10,
        max_value=480,
        help_text="初めての日は短く始められるとき、その時間。例: 60",
    )
    field.error_messages["invalid"] = "初回の時間は分の数で入力してください（例: 60）。"
    return field


class OfferForm(forms.Form):
    kind = forms.ChoiceField(label="種類", choices=[BLANK, *OfferKind.choices])
    title = short_text("メニューの名前", 150, required=True)
    tasks = text_area("切り出した作業", required=True, rows=4)
    days_and_hours = short_text("日時", 200)
    weekdays = forms.MultipleChoiceField(
        label="受け入れる曜日",
        choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    min_hours_per_week = forms.DecimalField(
        label="週あたりの最低時間",
        required=False,
        max_digits=4,
        decimal_places=1,
        help_text="例: 2（週2時間から）",
    )
    minutes_first_time = _minutes_field()
    places = forms.IntegerField(label="定員", min_value=1, max_value=999, initial=1)
    no_phone_work = forms.BooleanField(label="電話の仕事がない", required=False)
    quiet_room = forms.BooleanField(label="静かな部屋がある", required=False)
    works_alone = forms.BooleanField(label="一人でできる作業", required=False)
    no_customer_contact = forms.BooleanField(label="接客がない", required=False)
    online_possible = forms.BooleanField(label="オンラインで参加できる", required=False)
    starts_with_one_hour = forms.BooleanField(label="1時間から始められる", required=False)
    accompaniment_possible = forms.BooleanField(label="支援者の同行ができる", required=False)
    insured = forms.BooleanField(label="保険に加入している", required=False)
    paid = forms.BooleanField(label="報酬・謝礼がある", required=False)
    reward = short_text("報酬・謝礼の内容", 200)
    transport_note = short_text("交通・通い方", 300)
    host_asks = text_area("受入先からのお願い")
    is_active = forms.BooleanField(label="受付中", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["min_hours_per_week"].error_messages.update(
            {
                "invalid": "週あたりの最低時間は数字で入力してください（例: 2）。",
                "max_digits": "週あたりの最低時間は0.5〜40時間の間で入力してください。",
                "max_whole_digits": "週あたりの最低時間は0.5〜40時間の間で入力してください。",
                "max_decimal_places": "週あたりの最低時間は小数第1位まで入力できます。",
            }
        )
        japanese_messages(self)

    def offer_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in Offer.EDITABLE_FIELDS}

    @staticmethod
    def initial_of(offer: Offer) -> dict[str, Any]:
        return {
            **{name: getattr(offer, name) for name in Offer.EDITABLE_FIELDS},
            "version": offer.version,
        }
