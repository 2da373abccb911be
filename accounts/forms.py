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
