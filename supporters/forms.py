"""Forms of the supporter pages. They check input only; the services enforce the rules and save."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import User
from cases.models import Case
from community.models import Session
from supporters.models import Dispatch, Supporter, SupporterKind, Weekday
from tsunagu.dates import wareki
from tsunagu.forms import BLANK, date_field, japanese_messages, short_text, text_area
from tsunagu.widgets import split_datetime_field

DATETIME_INVALID = "日時は 2025-05-01 14:30 の形で入力してください。"
TIME_INVALID = "時刻は 13:00 の形で入力してください。"


def datetime_field(label: str, *, required: bool = True) -> forms.DateTimeField:
    field = split_datetime_field(label, required=required)
    field.error_messages["invalid"] = DATETIME_INVALID
    return field


def time_field(label: str) -> forms.TimeField:
    field = forms.TimeField(
        label=label, required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    field.error_messages["invalid"] = TIME_INVALID
    return field


class AccountChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj}（{obj.username}・{obj.organisation}）"


class SupporterForm(forms.Form):
    name = short_text("氏名", 100, required=True)
    kind = forms.ChoiceField(label="種別", choices=[BLANK, *SupporterKind.choices])
    user = AccountChoiceField(
        label="ログインアカウント",
        queryset=User.objects.none(),
        required=False,
        empty_label="なし（ログインしない）",
        help_text="サポーターの役割を持つアカウントだけが選べます。派遣予定の確認と報告に使います。",
    )
    area = short_text("活動地域", 100)
    available_days = forms.MultipleChoiceField(
        label="活動できる曜日",
        choices=Weekday.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    available_from = time_field("活動できる時間（から）")
    available_until = time_field("活動できる時間（まで）")
    availability_note = short_text("活動できる日時の補足", 300)
    is_active = forms.BooleanField(label="登録中（派遣できる）", required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    DATA_FIELDS = Supporter.REGISTRY_FIELDS

    def __init__(self, *args: Any, accounts: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = accounts  # type: ignore[attr-defined]
        japanese_messages(self)

    def supporter_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DATA_FIELDS}

    @staticmethod
    def initial_of(supporter: Supporter) -> dict[str, Any]:
        return {
            **{name: getattr(supporter, name) for name in SupporterForm.DATA_FIELDS},
            "version": supporter.version,
        }


class TrainingForm(forms.Form):
    name = short_text("研修名", 150, required=True)
    completed_on = date_field("修了日", required=True)
    hours = forms.DecimalField(label="時間数", max_digits=5, decimal_places=1, help_text="例: 12.5")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hours"].error_messages.update(
            {
                "invalid": "時間数は数字で入力してください（例: 12.5）。",
                "max_digits": "時間数は0.5〜999.5の間で入力してください。",
                "max_decimal_places": "時間数は小数第1位まで入力できます。",
                "max_whole_digits": "時間数は0.5〜999.5の間で入力してください。",
            }
        )
        japanese_messages(self)


class CaseChoiceField(forms.ModelChoiceField[Case]):
    """Cases by title; a restricted person's case by number only (accounts.access)."""

    hidden_person_ids: frozenset[int] = frozenset()

    def label_from_instance(self, obj: Case) -> str:
        if obj.person_id in self.hidden_person_ids:
            return f"ケース #{obj.pk}（制限対象者）"
        return f"#{obj.pk} {obj.title}"


class SessionChoiceField(forms.ModelChoiceField[Session]):
    def label_from_instance(self, obj: Session) -> str:
        return (
            f"{obj.place} {wareki(obj.date)} {obj.start_time:%H:%M}〜{obj.end_time:%H:%M}"
            f"（{obj.get_programme_display()}）"
        )


class DispatchForm(forms.Form):
    supporter = forms.ModelChoiceField(label="サポーター", queryset=Supporter.objects.none())
    kind = forms.ChoiceField(label="派遣の種類", choices=[BLANK, *Dispatch.Kind.choices])
    case = CaseChoiceField(
        label="ケース",
        queryset=Case.objects.none(),
        required=False,
        empty_label="—",
        help_text="訪問への同行では必須です。ケースの内容はサポーターには表示されません。",
    )
    session = SessionChoiceField(
        label="居場所の開催回",
        queryset=Session.objects.none(),
        required=False,
        empty_label="—",
        help_text="居場所への派遣では必須です。",
    )
    starts_at = datetime_field("日時")
    ends_at = datetime_field("終了予定", required=False)
    meeting_point = short_text("待ち合わせ場所", 200, required=True)
    display_name = short_text("サポーターに伝える呼び名", 30, required=True)
    briefing = short_text("サポーターへの連絡事項", 300)
    worker = forms.ModelChoiceField(label="担当職員", queryset=User.objects.none())
    contact_phone = short_text("当日の連絡先（電話）", 30)

    DATA_FIELDS = Dispatch.PLANNED_FIELDS

    def __init__(
        self,
        *args: Any,
        supporters: QuerySet[Supporter],
        cases: QuerySet[Case],
        hidden_person_ids: set[int],
        sessions: QuerySet[Session],
        workers: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        case_field: CaseChoiceField = self.fields["case"]  # type: ignore[assignment]
        case_field.hidden_person_ids = frozenset(hidden_person_ids)
        self.fields["session"].queryset = sessions  # type: ignore[attr-defined]
        self.fields["supporter"].queryset = supporters  # type: ignore[attr-defined]
        self.fields["case"].queryset = cases  # type: ignore[attr-defined]
        self.fields["worker"].queryset = workers  # type: ignore[attr-defined]
        self.fields["display_name"].help_text = (
            "下の名前かニックネームだけを入力します（例: けんたさん）。"
            "姓・住所・病状は書かないでください。"
        )
        self.fields["briefing"].help_text = "当日に必要なことだけ（例: 玄関先まで。猫の話が好き）。"
        japanese_messages(self)

    def dispatch_data(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.DATA_FIELDS}


class CancelForm(forms.Form):
    reason = short_text("中止の理由", 200, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class ReportForm(forms.Form):
    what_happened = text_area("どんなことをしたか", required=True, rows=5)
    minutes_spent = forms.IntegerField(
        label="活動した時間（分）", help_text="例: 90", min_value=1, max_value=1440
    )
    concerns = text_area("職員に伝えたい気がかりなこと", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["minutes_spent"].error_messages.update(
            {
                "invalid": "活動した時間は分の数字で入力してください（例: 90）。",
                "min_value": "活動した時間は1〜1440分の間で入力してください。",
                "max_value": "活動した時間は1〜1440分の間で入力してください。",
            }
        )
        self.fields["concerns"].help_text = (
            "心配なこと・急いで伝えたいことがあれば書いてください。"
            "担当職員の画面に目立つように表示されます。"
        )
        japanese_messages(self)

    def report_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name] for name in ("what_happened", "minutes_spent", "concerns")
        }
