"""Forms of the staff pages. They check input only; `accounts.staff.services` decides.

The import form reads the file with the consultation import's reading functions
(`consultations.importing.reading`: the file limits, UTF-8 / CP932 detection, xlsx), given the
staff file's own columns; a form is a door, so it may use the layer above.
"""

from typing import Any

from django import forms
from django.core import signing

from accounts.roles import Role
from accounts.staff.services import NewStaff, RowProblem, roles_from_text
from consultations.importing.reading import ENCODINGS, FileRefused, Header, Sheet, read_sheet
from tsunagu.forms import japanese_messages, short_text

STAFF_HEADER = Header(
    columns={
        "ユーザー名": ["ユーザー名", "ユーザーID", "ログインID", "username"],
        "氏名": ["氏名", "名前", "表示名"],
        "役割": ["役割", "ロール"],
    },
    required=("ユーザー名", "氏名", "役割"),
)
# The preview's rows travel to the confirmation signed, so that what is created is what was shown.
PREVIEW_SALT = "accounts.staff.import"
PREVIEW_MAX_AGE = 3600
PREVIEW_EXPIRED = (
    "確認の有効期限が切れたか、内容が正しくありません。もう一度ファイルを選んでください。"
)


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="役割",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    version = forms.CharField(widget=forms.HiddenInput)


class StaffCreateForm(forms.Form):
    username = short_text("ユーザー名", 150, required=True)
    display_name = short_text("氏名", 100, required=True)
    roles = forms.MultipleChoiceField(
        label="役割", choices=Role.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
        self.fields["roles"].error_messages["required"] = "役割を1つ以上選んでください。"
        self.fields[
            "username"
        ].help_text = "半角の英数字と「@ . + - _」。ログインのときに使います。"

    def new_staff(self) -> NewStaff:
        data = self.cleaned_data
        return NewStaff(
            data["username"].strip(), data["display_name"].strip(), tuple(data["roles"])
        )


class StaffSearchForm(forms.Form):
    STATES = (("", "すべて"), ("active", "利用中"), ("inactive", "停止中"))

    q = short_text("氏名・ユーザー名", 100)
    state = forms.ChoiceField(label="状態", choices=STATES, required=False)
    role = forms.ChoiceField(label="役割", choices=[("", "すべて"), *Role.choices], required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)


ENCODING_CHOICES = [("", "自動判定"), ("utf-8", "UTF-8"), ("cp932", "Shift_JIS（CP932）")]


class StaffImportForm(forms.Form):
    file = forms.FileField(label="ファイル（CSV または Excel の .xlsx）")
    encoding = forms.ChoiceField(
        label="文字コード（CSV のとき）", choices=ENCODING_CHOICES, required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)
        self.fields["file"].error_messages["required"] = "取り込むファイルを選んでください。"
        self.sheet: Sheet | None = None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload = data.get("file")
        if upload is None:
            return data
        try:
            self.sheet = read_sheet(
                upload.read(), upload.name or "", data.get("encoding") or "", header=STAFF_HEADER
            )
        except FileRefused as refused:
            raise forms.ValidationError(str(refused)) from None
        return data

    def encoding_label(self) -> str:
        """Which encoding the CSV was read in (detected or chosen), for the preview."""
        if self.sheet is None or self.sheet.file_format != "csv":
            return "Excel（.xlsx）"
        return ENCODINGS[self.sheet.encoding]

    def rows(self) -> list[tuple[int, NewStaff]]:
        assert self.sheet is not None
        return [(line, new_staff_of_row(cells)) for line, cells in self.sheet.rows]

    def cell_problems(self) -> list[RowProblem]:
        """What the reading found in single cells (a formula, a merged cell, a long cell)."""
        assert self.sheet is not None
        return [RowProblem(error.line, "", error.message) for error in self.sheet.errors]


def new_staff_of_row(cells: dict[str, Any]) -> NewStaff:
    return NewStaff(
        username=str(cells.get("ユーザー名", "")).strip(),
        display_name=str(cells.get("氏名", "")).strip(),
        roles=roles_from_text(str(cells.get("役割", ""))),
    )


def sign_preview(rows: list[tuple[int, NewStaff]]) -> str:
    payload = [[line, new.username, new.display_name, list(new.roles)] for line, new in rows]
    return signing.dumps(payload, salt=PREVIEW_SALT, compress=True)


class StaffImportConfirmForm(forms.Form):
    preview = forms.CharField(widget=forms.HiddenInput)

    def clean_preview(self) -> list[tuple[int, NewStaff]]:
        try:
            payload = signing.loads(
                self.cleaned_data["preview"], salt=PREVIEW_SALT, max_age=PREVIEW_MAX_AGE
            )
        except signing.BadSignature:
            raise forms.ValidationError(PREVIEW_EXPIRED) from None
        return [
            (int(line), NewStaff(str(username), str(name), tuple(str(role) for role in roles)))
            for line, username, name, roles in payload
        ]


PASSWORDS_DIFFER = "確認のために入力したパスワードが一致しません。"


class InvitationAcceptForm(forms.Form):
    password = forms.CharField(label="新しいパスワード", strip=False, widget=forms.PasswordInput)
    password_again = forms.CharField(
        label="新しいパスワード（確認）", strip=False, widget=forms.PasswordInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        japanese_messages(self)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", PASSWORDS_DIFFER)
        return data
