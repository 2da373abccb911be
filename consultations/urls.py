from django.urls import path

from consultations import views

urlpatterns = [
    path("consultations/", views.consultation_day, name="consultation_day"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path(
        "consultations/<int:pk>/correct/",
        views.consultation_correct_view,
        name="consultation_correct",
    ),
    path(
        "consultations/<int:pk>/versions/",
        views.consultation_versions,
        name="consultation_versions",
    ),
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

from consultations import import_views  # noqa: E402

urlpatterns += [
    path("consultations/import/", import_views.consultation_import, name="consultation_import"),
    path(
        "consultations/import/<int:pk>/",
        import_views.consultation_import_detail,
        name="consultation_import_detail",
    ),
    path(
        "consultations/import/<int:pk>/confirm/",
        import_views.consultation_import_confirm,
        name="consultation_import_confirm",
    ),
    path(
        "consultations/import/<int:pk>/cancel/",
        import_views.consultation_import_cancel,
        name="consultation_import_cancel",
    ),
]
