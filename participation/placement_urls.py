from django.urls import path

from participation import placement_views as views

urlpatterns = [
    path("cases/<int:pk>/placements/new/", views.placement_new, name="placement_new"),
    path("placements/<int:pk>/", views.placement_detail, name="placement_detail"),
    path("placements/<int:pk>/stage/", views.placement_stage, name="placement_stage"),
    path("placements/<int:pk>/contacts/", views.placement_contact, name="placement_contact"),
    path("cases/<int:pk>/readiness/new/", views.readiness_new, name="readiness_new"),
    path("readiness/<int:pk>/", views.readiness_detail, name="readiness_detail"),
    path("readiness/<int:pk>/components/", views.readiness_edit, name="readiness_edit"),
    path("readiness/<int:pk>/attendance/", views.readiness_attend, name="readiness_attend"),
    path("readiness/<int:pk>/extend/", views.readiness_extend, name="readiness_extend"),
    path("readiness/<int:pk>/end/", views.readiness_end, name="readiness_end"),
]
