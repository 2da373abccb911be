from django.urls import include, path

from accounts import views as accounts_views
from api.views import api
from audit import views as audit_views
from tsunagu import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("menu/counts/", views.menu_counts, name="menu_counts"),
    path("styleguide/", views.styleguide, name="styleguide"),
    path("login/", accounts_views.LoginView.as_view(), name="login"),
    path("logout/", accounts_views.LogoutView.as_view(), name="logout"),
    path("organisations/", accounts_views.organisations, name="organisations"),
    path("", include("accounts.staff.urls")),
    path("", include("handover.urls")),
    path("account/", accounts_views.account, name="account"),
    path(
        "account/password/",
        accounts_views.PasswordChangeView.as_view(),
        name="account_password",
    ),
    path(
        "account/tokens/<int:pk>/revoke/",
        accounts_views.account_token_revoke,
        name="account_token_revoke",
    ),
    path("", include("accounts.signin_urls")),
    path("audit/", audit_views.audit_log, name="audit_log"),
    path("audit/export.csv", audit_views.audit_log_csv, name="audit_log_csv"),
    path("", include("accounts.administration.urls")),
    path("", include("notifications.urls")),
    path("", include("people.urls")),
    path("", include("consultations.urls")),
    path("", include("cases.urls")),
    path("", include("collaboration.urls")),
    path("", include("community.urls")),
    path("", include("supporters.urls")),
    path("", include("participation.urls")),
    path("", include("participation.placement_urls")),
    path("", include("participation.match_urls")),
    path("", include("reports.urls")),
    path("", include("publicity.urls")),
    path("api/v1/", api.urls),
]
