"""Forms of the placement (参加) and 就労準備支援 pages. They check input only; the services in
`participation.placements` and `participation.readiness` enforce the rules and save."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import Organisation, User
from participation.models import PlacementContact, PlacementEndReason, ReadinessComponent
from supporters.models import Dispatch
from tsunagu.dates import wareki
from tsunagu.forms import BLANK, date_field, japanese_messages, short_text, text_area


class ProposeForm(forms.Form):
    # The choices are the offers the page lists (a search among the visible offers); the view
    # checks the chosen one against them.
    offer = forms.TypedChoiceField(label="受入メニュー", coerce=int, widget=forms.RadioSelect)
    proposed_on = date_field("提案日")

    def __init__(self, *args: Any, offers: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_field = self.fields["offer"]
        assert isinstance(offer_field, forms.ChoiceField)
        offer_field.choices = [(offer.pk, offer_label(offer)) for offer in offers]
        japanese_messages(self)


def offer_label(offer: Any) -> str:
    taken = getattr(offer, "taken", None)
    places = f"定員{offer.places}人" + (f"・参加中{taken}人" if taken is not None else "")
    return f"{offer.host.name}: {offer.title}（{offer.get_kind_display()}・{places}）"


class DispatchChoiceField(forms.ModelChoiceField[Dispatch]):
    def label_from_instance(self, obj: Dispatch) -> str:
        return f"{wareki(obj.starts_at.date())} {obj.supporter}（{obj.get_state_display()}）"


class MoveForm(forms.Form):
    stage = forms.ChoiceField(label="次の段階")
    on = date_field("日付", required=True)
    dispatch = DispatchChoiceField(
        label="初回に同行した派遣",
        queryset=Dispatch.objects.none(),
        required=False,
        empty_label="なし（職員だけが同行）",
        help_text="サポーターの派遣はケースのページの「このケースにサポーターを派遣する」から予定します。",
    )
    end_reason = forms.ChoiceField(
        label="終了の理由", choices=[BLANK, *PlacementEndReason.choices], required=False
    )
    end_note = short_text("終了の補足", 300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self, *args: Any, stages: list[Any], dispatches: QuerySet[Dispatch], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        stage_field = self.fields["stage"]
        assert isinstance(stage_field, forms.ChoiceField)
        stage_field.choices = [(stage.value, stage.label) for stage in stages]
        self.fields["dispatch"].queryset = dispatches  # type: ignore[attr-defined]
        japanese_messages(self)


class ContactForm(forms.Form):
    contacted_on = date_field("日付", required=True)
    with_whom = forms.ChoiceField(
        label="相手", choices=PlacementContact.WithWhom.choices, widget=forms.RadioSelect
    )
    notes = text_area("内容", required=True)
    host_feedback = text_area("受入先からの声")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class ProviderChoiceField(forms.ModelChoiceField[Organisation]):
    def label_from_instance(self, obj: Organisation) -> str:
        return obj.name


class StaffChoiceField(forms.ModelChoiceField[User]):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


def components_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label="支援の内容",
        choices=ReadinessComponent.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class EnrolmentForm(forms.Form):
    provider = ProviderChoiceField(label="実施機関", queryset=Organisation.objects.none())
    started_on = date_field("利用開始日", required=True)
    components = components_field()

    def __init__(self, *args: Any, providers: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers  # type: ignore[attr-defined]
        japanese_messages(self)


class ComponentsForm(forms.Form):
    components = components_field()
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AttendanceForm(forms.Form):
    attended_on = date_field("参加した日", required=True)
    note = short_text("メモ", 300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


class ExtensionForm(forms.Form):
    extended_until = date_field("延長後の期限", required=True)
    extension_reason = text_area(
        "延長の理由（例外に当たる事情）",
        rows=4,
    )
    extension_approved_by = StaffChoiceField(
        label="延長を承認した職員", queryset=User.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, approvers: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["extension_approved_by"].queryset = approvers  # type: ignore[attr-defined]
        self.fields[
            "extension_reason"
        ].help_text = (
            "省令の例外: ひきこもりの状態にあるなど、1年を超える支援が必要な事情を書きます。"
        )
        japanese_messages(self)


class EndForm(forms.Form):
    ended_on = date_field("利用終了日", required=True)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
