"""Forms of the meeting pages. They check input only; `collaboration.meeting_services` enforces
the rules of each kind of meeting and says why it refuses."""

from typing import Any

from django import forms

from collaboration.models import Decision, Meeting
from tsunagu.forms import (
    BLANK,
    Choices,
    VersionForm,
    date_field,
    japanese_messages,
    short_text,
    text_area,
)
from tsunagu.widgets import split_datetime_field


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(
        label="会議の種類",
        choices=[BLANK, *Meeting.Kind.choices],
        help_text="種類によって、共有できる情報と手続きが違います（下の説明を参照）。",
    )
    title = short_text("会議名", 200, required=True)
    held_at = split_datetime_field("日時")
    place = short_text("場所", 200)
    online = forms.BooleanField(label="オンラインで開催する", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
        self.fields["held_at"].error_messages["invalid"] = (
            "日時は 2025-05-01 14:30 の形で入力してください。"
        )


class MemberForm(forms.Form):
    """Choose the organisation first (the page lists its staff), then the staff member."""

    organisation = forms.TypedChoiceField(label="機関", coerce=int)
    user = forms.TypedChoiceField(label="参加者", coerce=int)

    def __init__(
        self,
        *args: Any,
        organisation_choices: Choices = (),
        user_choices: Choices = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [BLANK, *organisation_choices]  # type: ignore[attr-defined]
        self.fields["user"].choices = [BLANK, *user_choices]  # type: ignore[attr-defined]
        japanese_messages(self)


class AgendaItemForm(forms.Form):
    case = forms.TypedChoiceField(
        label="ケース",
        coerce=int,
        help_text="自分の機関の、終結していないケースから選びます。",
    )
    material = text_area("会議資料（要旨）", required=True, rows=8)

    def __init__(self, *args: Any, case_choices: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [BLANK, *case_choices]  # type: ignore[attr-defined]
        japanese_messages(self)
        self.fields[
            "material"
        ].help_text = "参加者に見せる要旨です。会議の種類に必要な範囲だけを書いてください。"


class MinutesForm(VersionForm):
    minutes = text_area("議事録", rows=16)


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(label="決定の種類", choices=[BLANK, *Decision.Kind.choices])
    case = forms.TypedChoiceField(label="ケース", coerce=int, required=False, empty_value=None)
    text = text_area("決定内容", required=True)

    def __init__(self, *args: Any, case_choices: Choices = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "（ケースを選ばない）"), *case_choices]  # type: ignore[attr-defined]
        self.fields["case"].help_text = "プラン承認では、承認するプランのケースを選びます。"
        japanese_messages(self)


class ActionItemForm(forms.Form):
    title = short_text("やること", 300, required=True)
    owner = forms.TypedChoiceField(label="担当者", coerce=int)
    due_on = date_field("期限", required=True)
    case = forms.TypedChoiceField(label="ケース", coerce=int, required=False, empty_value=None)

    def __init__(
        self, *args: Any, owner_choices: Choices = (), case_choices: Choices = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [BLANK, *owner_choices]  # type: ignore[attr-defined]
        self.fields["case"].choices = [("", "（ケースを選ばない）"), *case_choices]  # type: ignore[attr-defined]
        self.fields["owner"].help_text = "会議の参加者から選びます。担当者の見守りリストに出ます。"
        japanese_messages(self)
