"""Forms of the 居場所 pages; the services decide what may be saved and say why not."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, time
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

from accounts.models import User
from community.models import (
    CurriculumUnit,
    Frequency,
    Place,
    Programme,
    Reservation,
    ScheduleException,
    Session,
    Weekday,
)
from people.models import AgeBand, Sex
from tsunagu.dates import wareki
from tsunagu.forms import date_field, japanese_messages, short_text, text_area

TIME_HELP = "例: 13:00"


class JapaneseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class PlaceForm(forms.ModelForm[Place]):
    # The version the worker saw (optimistic locking); only the edit page uses it.
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    class Meta:
        model = Place
        fields = [
            "name",
            "kind",
            "audience",
            "family_programme",
            "reservation_policy",
            "capacity",
            "address",
            "latitude",
            "longitude",
            "access_notes",
            "contact",
            "description",
            "is_public",
        ]
        widgets = {
            "access_notes": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            "description": forms.Textarea(attrs={"rows": 3, "cols": 60}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
        self.fields["latitude"].help_text = "地図に表示するとき（任意）。例: 35.681236"
        self.fields["contact"].help_text = "公開ページに載ります。例: 090-0000-0000（平日10〜17時）"
        if self.instance.pk:
            self.fields["version"].initial = self.instance.version

    def place_data(self) -> dict[str, Any]:
        """What a place holds, as typed: the fields of `Meta.fields`, the one list of them."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    @staticmethod
    def saved_values(place: Place) -> dict[str, Any]:
        return {name: getattr(place, name) for name in PlaceForm.Meta.fields}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reservation_policy") == "reservation" and not data.get("capacity"):
            self.add_error("capacity", "予約制の居場所には定員を入力してください。")
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", "緯度と経度は両方入力するか、両方空にしてください。")
        return data


class ScheduleForm(JapaneseForm):
    frequency = forms.ChoiceField(label="繰り返し", choices=Frequency.choices)
    weekday = forms.TypedChoiceField(
        label="曜日",
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        required=False,
        empty_value=None,
    )
    weeks_of_month = forms.TypedMultipleChoiceField(
        label="第何週（毎月 第n週のとき）",
        choices=[(n, f"第{n}") for n in range(1, 6)],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    day_of_month = forms.IntegerField(
        label="日（毎月 日付のとき）", min_value=1, max_value=28, required=False
    )
    start_time = forms.TimeField(label="開始時刻", help_text=TIME_HELP)
    end_time = forms.TimeField(label="終了時刻", help_text=TIME_HELP)
    starts_on = date_field("開始日", required=True)
    ends_on = date_field("終了日（空欄なら2年先まで）")
    closed_on_holidays = forms.BooleanField(label="祝日は休み", required=False, initial=True)
    programme = forms.ChoiceField(label="プログラム", choices=Programme.choices)
    title = short_text("名称（任意）", 120)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        frequency = data.get("frequency")
        needs_weekday = frequency in (Frequency.WEEKLY, Frequency.BIWEEKLY, Frequency.MONTHLY_NTH)
        if needs_weekday and data.get("weekday") is None:
            self.add_error("weekday", "曜日を選んでください。")
        if frequency == Frequency.MONTHLY_NTH and not data.get("weeks_of_month"):
            self.add_error("weeks_of_month", "第何週かを選んでください（例: 第2と第4）。")
        if frequency == Frequency.MONTHLY_DAY and not data.get("day_of_month"):
            self.add_error("day_of_month", "日付を入力してください（1〜28日）。")
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", "終了時刻は開始時刻より後にしてください。")
        if frequency != Frequency.MONTHLY_NTH:
            data["weeks_of_month"] = []
        if frequency == Frequency.MONTHLY_DAY:
            data["weekday"] = None
        else:
            data["day_of_month"] = None
        return data


class ExceptionForm(JapaneseForm):
    date = date_field("日付", required=True)
    kind = forms.ChoiceField(label="種類", choices=ScheduleException.Kind.choices)
    note = short_text("理由・メモ", 200)


class SessionForm(JapaneseForm):
    date = date_field("開催日", required=True)
    start_time = forms.TimeField(label="開始時刻", help_text=TIME_HELP)
    end_time = forms.TimeField(label="終了時刻", help_text=TIME_HELP)
    programme = forms.ChoiceField(label="プログラム", choices=Programme.choices)
    title = short_text("名称（任意）", 120)
    curriculum_unit: forms.ModelChoiceField[CurriculumUnit] = forms.ModelChoiceField(
        label="カリキュラムの回",
        queryset=CurriculumUnit.objects.none(),
        required=False,
        empty_label="—",
    )
    staff: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label="担当スタッフ",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    notes = text_area("メモ")

    def __init__(self, *args: Any, place: Place, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["curriculum_unit"].queryset = place.curriculum.all()  # type: ignore[attr-defined]
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]

    def session_data(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in ("date", "start_time", "end_time", "programme", "title", "notes")
        } | {"curriculum_unit": self.cleaned_data["curriculum_unit"]}

    def staff_members(self) -> list[User]:
        return list(self.cleaned_data["staff"])


class SessionEditForm(SessionForm):
    is_cancelled = forms.BooleanField(label="この回は休み", required=False)
    cancel_reason = short_text("休みの理由", 200)
    # The version the worker saw (optimistic locking).
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def session_data(self) -> dict[str, Any]:
        return super().session_data() | {
            "is_cancelled": self.cleaned_data["is_cancelled"],
            "cancel_reason": self.cleaned_data["cancel_reason"],
        }

    @staticmethod
    def initial_for(session: Session) -> dict[str, Any]:
        return {
            "date": session.date,
            "start_time": session.start_time,
            "end_time": session.end_time,
            "programme": session.programme,
            "title": session.title,
            "curriculum_unit": session.curriculum_unit_id,
            "staff": [user.pk for user in session.staff.all()],
            "notes": session.notes,
            "is_cancelled": session.is_cancelled,
            "cancel_reason": session.cancel_reason,
            "version": session.version,
        }


class CurriculumForm(JapaneseForm):
    number = forms.IntegerField(label="回", min_value=1, max_value=99)
    title = short_text("内容", 200, required=True)


class NicknameForm(JapaneseForm):
    nickname = short_text("ニックネーム", 60, required=True)
    age_band = forms.ChoiceField(
        label="年代（任意）", choices=AgeBand.choices, initial=AgeBand.UNKNOWN, required=False
    )
    sex = forms.ChoiceField(
        label="性別（任意）", choices=Sex.choices, initial=Sex.UNKNOWN, required=False
    )

    def nickname_data(self) -> dict[str, Any]:
        return {
            "nickname": self.cleaned_data["nickname"],
            "age_band": self.cleaned_data["age_band"] or AgeBand.UNKNOWN,
            "sex": self.cleaned_data["sex"] or Sex.UNKNOWN,
        }


class AnonymousForm(JapaneseForm):
    head_count = forms.IntegerField(label="人数", min_value=1, max_value=500)
    first_time_count = forms.IntegerField(
        label="うち初めての人数", min_value=0, max_value=500, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["first_time_count"] = data.get("first_time_count") or 0
        if data.get("head_count") and data["first_time_count"] > data["head_count"]:
            raise ValidationError("「うち初めて」の人数は、人数以下で入力してください。")
        return data


class ReservationForm(JapaneseForm):
    """A reservation for a registered person (person id) or a nickname (existing or new)."""

    person = forms.IntegerField(required=False, widget=forms.HiddenInput)
    nickname_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    new_nickname = short_text("ニックネーム（新しい方）", 60)
    channel = forms.ChoiceField(label="受付方法", choices=Reservation.Channel.choices)
    note = short_text("メモ", 200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [data.get("person"), data.get("nickname_id"), data.get("new_nickname")]
        if sum(1 for value in given if value) != 1:
            raise ValidationError("予約する方を一人選ぶか、新しいニックネームを入力してください。")
        return data


class LinkForm(JapaneseForm):
    person = forms.IntegerField(widget=forms.HiddenInput)


class FiguresForm(JapaneseForm):
    start = date_field("期間の初日", required=True)
    end = date_field("期間の末日", required=True)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if isinstance(start, date) and isinstance(end, date) and end < start:
            self.add_error("end", "期間の末日は初日より後にしてください。")
        return data


@dataclass(frozen=True)
class Difference:
    """One field of a stale save: what is saved now and what the worker typed, as shown."""

    label: str
    saved: str
    typed: str


def differences(form: forms.BaseForm, saved: Mapping[str, Any]) -> list[Difference]:
    """The fields where the saved record (`saved`, values as the form's initial takes them)
    differs from the worker's valid input, for the page that refused a stale save."""
    rows = []
    for name, field in form.fields.items():
        if name not in saved or isinstance(field.widget, forms.HiddenInput):
            continue
        before, after = _plain(saved[name]), _plain(form.cleaned_data.get(name))
        if before != after:
            label = str(field.label or name)
            rows.append(Difference(label, _shown(field, before), _shown(field, after)))
    return rows


def _plain(value: Any) -> Any:
    """A value reduced to what compares: a record to its id, a set of records to their ids."""
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted(_plain(item) for item in value)
    return None if value == "" else value


def _shown(field: forms.Field, value: Any) -> str:
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return "、".join(_shown(field, item) for item in value)
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, date):
        return wareki(value)
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(field, forms.ChoiceField):
        choices = cast("Iterable[tuple[Any, Any]]", field.choices)
        labels = {str(key): str(label) for key, label in choices}
        return labels.get(str(value), str(value))
    return str(value)
