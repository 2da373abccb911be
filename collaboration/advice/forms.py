"""Forms for specialist advice from the prefectural centre (専門的助言)."""

from typing import Any

from django import forms

from accounts.models import Organisation
from collaboration.models import Discipline
from tsunagu.forms import BLANK, japanese_messages, short_text, text_area


class AdviceRequestForm(forms.Form):
    centre = forms.TypedChoiceField(label="依頼先のセンター", coerce=int)
    question = text_area("相談したいこと", required=True, rows=6)
    disciplines = forms.MultipleChoiceField(
        label="助言を求める分野",
        choices=Discipline.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    share_identity = forms.BooleanField(
        label="本人の氏名などを伝える（同意がある場合のみ）", required=False
    )

    def __init__(self, *args: Any, centres: list[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["centre"].choices = [  # type: ignore[attr-defined]
            BLANK,
            *((centre.pk, centre.name) for centre in centres),
        ]
        if len(centres) == 1:
            self.fields["centre"].initial = centres[0].pk
        self.fields["question"].help_text = (
            "氏名・住所・電話番号は書かないでください。センターには年代・世帯構成・アセスメント・"
            "経過の要約だけが伝わります。"
        )
        japanese_messages(self)


class AdviceForm(forms.Form):
    discipline = forms.ChoiceField(label="分野", choices=[BLANK, *Discipline.choices])
    text = text_area("助言", required=True, rows=6)
    joint_support = forms.BooleanField(
        label="センターも直接支援に加わる（同行・訪問など）", required=False
    )
    joint_support_note = short_text("直接支援の内容", 300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("joint_support") and not data.get("joint_support_note"):
            self.add_error(
                "joint_support_note", "直接支援の内容（いつ・何をするか）を書いてください。"
            )
        return data
