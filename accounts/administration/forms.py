"""Forms of the administration pages: input only; the rules are in services.py."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from accounts.models import (
    CONTRACT_SCOPES_REQUIRED_MESSAGE,
    ContractScope,
    LocalGovernment,
    Organisation,
    OrganisationType,
)
from tsunagu.forms import VersionForm, date_field, japanese_messages, short_text

SEARCH_MAX_LENGTH = 100
FULL_WIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class SearchForm(forms.Form):
    q = short_text("検索", SEARCH_MAX_LENGTH)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["type"] = "search"

    def text(self) -> str:
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class OrganisationSearchForm(SearchForm):
    type = forms.ChoiceField(label="種別", choices=[("", "すべて"), *OrganisationType.choices])
    active = forms.ChoiceField(
        label="状態", choices=[("", "すべて"), ("1", "利用中"), ("0", "利用停止")]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("type", "active"):
            self.fields[name].required = False
        japanese_messages(self)


class ContractSearchForm(SearchForm):
    in_force = forms.BooleanField(label="今日有効な契約だけ", required=False)


class LocalGovernmentForm(VersionForm):
    name = short_text("名称", 100, required=True)
    code = short_text("全国地方公共団体コード", 6, required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = "6桁（検査数字を含む）。例: 千代田区 131016"
        self.fields["code"].widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean_code(self) -> str:
        # Full-width digits typed on a Japanese keyboard are the same code.
        code: str = self.cleaned_data["code"]
        return code.strip().translate(FULL_WIDTH_DIGITS)


class OrganisationForm(VersionForm):
    name = short_text("機関名", 200, required=True)
    type = forms.ChoiceField(label="種別", choices=OrganisationType.choices)
    operator_name = short_text("運営法人", 200)
    local_government = forms.ModelChoiceField(
        label="所属する地方公共団体", queryset=LocalGovernment.objects.none()
    )
    address = short_text("所在地", 200)
    phone = short_text("電話番号", 30)
    is_named_window = forms.BooleanField(label="ひきこもり相談窓口として公表する", required=False)
    is_active = forms.BooleanField(label="利用中", required=False, initial=True)

    def __init__(self, *args: Any, governments: QuerySet[LocalGovernment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["local_government"].queryset = governments  # type: ignore[attr-defined]
        self.fields["phone"].help_text = "例: 03-1234-5678"
        self.fields[
            "is_named_window"
        ].help_text = "国・都道府県が公表する「ひきこもり相談窓口」の一覧に、この機関を載せます。"
        japanese_messages(self)


class ContractForm(VersionForm):
    commissioner = forms.ModelChoiceField(label="委託元", queryset=Organisation.objects.none())
    contractor = forms.ModelChoiceField(label="委託先", queryset=Organisation.objects.none())
    service = short_text("委託事業", 200, required=True)
    starts_on = date_field("契約開始日", required=True)
    ends_on = date_field("契約終了日")
    scopes = forms.MultipleChoiceField(
        label="委託先ができること",
        choices=ContractScope.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(
        self,
        *args: Any,
        commissioners: QuerySet[Organisation],
        contractors: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["commissioner"].queryset = commissioners  # type: ignore[attr-defined]
        self.fields["contractor"].queryset = contractors  # type: ignore[attr-defined]
        self.fields["ends_on"].help_text = "空欄なら終了日なし。例: 令和8年3月31日、R8.3.31"
        japanese_messages(self)
        self.fields["scopes"].error_messages["required"] = CONTRACT_SCOPES_REQUIRED_MESSAGE


class ContractRenewForm(forms.Form):
    ends_on = date_field("延長後の契約終了日")
    scopes = forms.MultipleChoiceField(
        label="委託先ができること",
        choices=ContractScope.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ends_on"].help_text = "空欄なら終了日なし。例: 令和9年3月31日、R9.3.31"
        japanese_messages(self)
        self.fields["scopes"].error_messages["required"] = CONTRACT_SCOPES_REQUIRED_MESSAGE
