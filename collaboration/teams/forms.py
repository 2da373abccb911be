"""Forms of the team page. They check input only; `collaboration.teams.services` decides."""

from typing import Any

from django import forms

from accounts.models import User
from tsunagu.forms import BLANK, japanese_messages, short_text


def staff_label(user: User) -> str:
    organisation = user.organisation.name if user.organisation else "所属なし"
    return f"{user}（{organisation}）"


class TeamMemberForm(forms.Form):
    member = forms.TypedChoiceField(label="職員", coerce=int)
    reason = short_text("加える理由", 300, required=True)

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(user.pk, staff_label(user)) for user in candidates]
        self.fields["member"].choices = [BLANK, *choices]  # type: ignore[attr-defined]
        japanese_messages(self)


REMOVAL_NOT_CONFIRMED = "外す前に、確認の欄にチェックしてください。"


class TeamRemoveForm(forms.Form):
    member = forms.IntegerField(widget=forms.HiddenInput)
    reason = short_text("外す理由", 300, required=True)
    confirmed = forms.BooleanField(
        label="外すと、この職員は本人の記録（制限対象者の氏名を含む）を見られなくなることを確認しました",
        required=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
        self.fields["confirmed"].error_messages["required"] = (
            "外す前に、確認の欄にチェックしてください。"
        )


class LeadForm(forms.Form):
    new_lead = forms.TypedChoiceField(label="新しい主担当", coerce=int)
    reason = short_text("主担当を変える理由", 300, required=True)

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(user.pk, str(user)) for user in candidates]
        self.fields["new_lead"].choices = [BLANK, *choices]  # type: ignore[attr-defined]
        japanese_messages(self)
