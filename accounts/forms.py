from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed

from accounts.roles import Role
from accounts.throttle import login_is_throttled
from audit.services import client_ip


class StaffLoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": "ユーザー名またはパスワードが正しくありません。",
        "inactive": "このアカウントは利用できません。管理者に連絡してください。",
        "throttled": (
            "ログインの失敗が続いたため、一時的にログインを制限しています。"
            "%(minutes)s分ほど待ってから、もう一度お試しください。"
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "ユーザー名"
        self.fields["password"].label = "パスワード"

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if username and login_is_throttled(username, client_ip(self.request)):
            # Counted as a failure too, so that hammering keeps the lock closed.
            user_login_failed.send(
                sender=__name__,
                credentials={"username": username},
                request=self.request,
                reason="throttled",
            )
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_MINUTES},
            )
        return super().clean()


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="役割",
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    is_active = forms.BooleanField(label="利用中", required=False)
    version = forms.CharField(widget=forms.HiddenInput)
