"""Forms of the hand-over page and of the case list's change of lead. They check input only;
`handover.services` decides (who may take over, what is still held)."""

from typing import Any

from django import forms

from accounts.models import User
from handover.services import Kind, Reason
from tsunagu.forms import BLANK, japanese_messages, short_text


class RecipientForm(forms.Form):
    """To whom and why: the whole hand-over at once."""

    to = forms.TypedChoiceField(label="引き継ぐ相手", coerce=int)
    reason = forms.ChoiceField(label="理由", choices=[BLANK, *Reason.choices])

    def __init__(self, *args: Any, candidates: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {user.pk: user for user in candidates}
        choices = [(user.pk, str(user)) for user in candidates]
        self.fields["to"].choices = [BLANK, *choices]  # type: ignore[attr-defined]
        japanese_messages(self)

    def recipient(self) -> User:
        return self.candidates[self.cleaned_data["to"]]


class HandoverItemForm(RecipientForm):
    """One row of the page: which item, to whom, why."""

    kind = forms.ChoiceField(choices=Kind.choices, widget=forms.HiddenInput)
    item = forms.IntegerField(widget=forms.HiddenInput)


class CaseLeadBulkForm(forms.Form):
    """The case list: the selected cases' lead to one worker (free text: the case history
    keeps it, encrypted, as on the team page)."""

    cases = forms.TypedMultipleChoiceField(label="ケース", coerce=int)
    new_lead = forms.TypedChoiceField(label="新しい主担当", coerce=int)
    reason = short_text("理由", 300, required=True)

    def __init__(
        self, *args: Any, candidates: list[User], case_ids: list[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.candidates = {user.pk: user for user in candidates}
        self.fields["new_lead"].choices = [  # type: ignore[attr-defined]
            BLANK,
            *((user.pk, str(user)) for user in candidates),
        ]
        # The selected cases the user may change (the view finds them): any other is refused.
        cases = self.fields["cases"]
        cases.choices = [(pk, str(pk)) for pk in case_ids]  # type: ignore[attr-defined]
        japanese_messages(self)
        cases.error_messages["required"] = "主担当を変えるケースを選んでください。"

    def lead(self) -> User:
        return self.candidates[self.cleaned_data["new_lead"]]
