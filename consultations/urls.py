from django.urls import path

from consultations import views

urlpatterns = [
    path("consultations/", views.consultation_day, name="consultation_day"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path(
        "consultations/drafts/save/",
        views.consultation_draft_save,
        name="consultation_draft_save",
    ),
    path(
        "consultations/persons/",
        views.consultation_person_pick,
        name="consultation_person_pick",
    ),
]
