from django.urls import include, path

from collaboration import advice_views, sharing_views, views

urlpatterns = [
    path("cases/<int:pk>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_new, name="agency_new"),
    path("shared/", sharing_views.shared_list, name="shared_list"),
    path("shared/cases/<int:pk>/", sharing_views.shared_case, name="shared_case"),
    path("cases/<int:pk>/advice/new/", advice_views.advice_new, name="advice_new"),
    path("advice/", advice_views.advice_list, name="advice_list"),
    path("advice/<int:pk>/", advice_views.advice_detail, name="advice_detail"),
    path("advice/<int:pk>/answer/", advice_views.advice_answer, name="advice_answer"),
    path("advice/<int:pk>/close/", advice_views.advice_close, name="advice_close"),
    path("", include("collaboration.meeting_urls")),
    path("", include("collaboration.consent_urls")),
]
