from django.urls import path

from participation import match_views

urlpatterns = [
    path(
        "participation/match/cases/<int:pk>/",
        match_views.offers_for_case,
        name="participation_match_case",
    ),
    path(
        "participation/match/offers/<int:pk>/",
        match_views.persons_for_offer_page,
        name="participation_match_offer",
    ),
]
