import math
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts.throttle import Attempt, login_attempt

# The same words whether or not the account exists, so the page tells nothing about names.
INVALID_LOGIN_MESSAGE = "ユーザー名またはパスワードが正しくありません。"
THROTTLED_MESSAGE = (
    "ログインの失敗が続いたため、この端末からのログインを一時的に制限しています。"
    "%(minutes)s分ほど待ってから、もう一度お試しください。"
    "急ぐときは、所属機関の管理者に制限の解除を依頼してください。"
)


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": INVALID_LOGIN_MESSAGE,
        "inactive": "このアカウントは利用できません。管理者に連絡してください。",
        "throttled": THROTTLED_MESSAGE,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "ユーザー名"
        self.fields["password"].label = "パスワード"
        self.attempt: Attempt | None = None

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if not username:
            return super().clean()
        self.attempt = login_attempt(self.request, username)
        if wait := self.attempt.wait_seconds():
            # Refused without reading the password: not a failure, and the wait is not extended.
            self.attempt.note_refused()
            raise self._throttled(wait)
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code != "invalid_login":
                raise
            if wait := self.attempt.record_failure():
                raise self._throttled(wait) from None
            raise

    def _throttled(self, wait_seconds: int) -> forms.ValidationError:
        return forms.ValidationError(
            self.error_messages["throttled"],
            code="throttled",
            params={"minutes": max(1, math.ceil(wait_seconds / 60))},
        )


def code_field() -> forms.CharField:
    """The code after the password: the app's six digits, or one recovery code."""
    return forms.CharField(
        label="確認コード",
        max_length=20,
        help_text="認証アプリに表示された6桁の数字。スマートフォンが使えないときはリカバリーコード。",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
        error_messages={"required": "確認コードを入力してください。"},
    )


class SecondFactorForm(forms.Form):
    code = code_field()


class EnrolmentForm(forms.Form):
    code = forms.CharField(
        label="確認コード",
        max_length=10,
        help_text="登録した認証アプリに表示された6桁の数字",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": "認証アプリに表示された6桁の数字を入力してください。"},
    )


class ReauthenticationForm(forms.Form):
    """The password again (and the code, for staff with the second factor) before a risky
    action."""

    password = forms.CharField(
        label="パスワード",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
        error_messages={"required": "パスワードを入力してください。"},
    )

    def __init__(self, *args: Any, with_code: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_code:
            code = code_field()
            code.widget.attrs.pop("autofocus")
            self.fields["code"] = code


class SecondFactorResetForm(forms.Form):
    reason = forms.CharField(
        label="リセットの理由",
        max_length=200,
        help_text="例: スマートフォンの紛失・機種変更。監査ログに残ります。",
        error_messages={"required": "リセットの理由を入力してください。"},
    )


class PasswordResetByAdministratorForm(forms.Form):
    reason = forms.CharField(
        label="再設定の理由",
        max_length=200,
        help_text="例: パスワードを忘れた。監査ログに残ります。",
        error_messages={"required": "再設定の理由を入力してください。"},
    )
