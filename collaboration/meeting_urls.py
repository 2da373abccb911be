from django.urls import URLPattern, URLResolver, path

from collaboration import meeting_views as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/members/", views.meeting_members, name="meeting_members"),
    path("meetings/<int:pk>/acknowledge/", views.meeting_acknowledge, name="meeting_acknowledge"),
    path("meetings/<int:pk>/agenda/new/", views.agenda_new, name="agenda_new"),
    path("meetings/<int:pk>/agenda/<int:item_pk>/", views.agenda_material, name="agenda_material"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/decisions/new/", views.decision_new, name="decision_new"),
    path("meetings/<int:pk>/actions/new/", views.action_new, name="action_new"),
    path(
        "meetings/<int:pk>/actions/<int:action_pk>/done/",
        views.action_mark_done,
        name="action_done",
    ),
]
