"""The sign-in security routes: second factor, re-authentication, the administrator's resets."""

from django.urls import path

from accounts import otp_views, views
from accounts.reauth import reauth

urlpatterns = [
    path("login/code/", otp_views.totp_verify, name="totp_verify"),
    path("login/enrol/", otp_views.totp_enrol, name="totp_enrol"),
    path("login/again/", reauth, name="reauth"),
    path(
        "account/recovery-codes/",
        otp_views.account_recovery_codes,
        name="account_recovery_codes",
    ),
    path("staff/<int:pk>/totp/reset/", otp_views.staff_totp_reset, name="staff_totp_reset"),
    path(
        "staff/<int:pk>/password/reset/",
        views.staff_password_reset,
        name="staff_password_reset",
    ),
]
