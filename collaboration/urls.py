from django.urls import include, path

from collaboration import views

urlpatterns = [
    path("cases/<int:pk>/referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_new, name="agency_new"),
    path("", include("collaboration.meeting_urls")),
    path("", include("collaboration.consent_urls")),
]
