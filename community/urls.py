from django.urls import URLPattern, URLResolver, path

from community import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("ibasho/", views.place_list, name="community_place_list"),
    path("ibasho/new/", views.place_create, name="community_place_create"),
    path("ibasho/figures/", views.figures_view, name="community_figures"),
    path("ibasho/<int:pk>/", views.place_detail, name="community_place_detail"),
    path("ibasho/<int:pk>/edit/", views.place_edit, name="community_place_edit"),
    path("ibasho/<int:pk>/archive/", views.place_archive, name="community_place_archive"),
    path("ibasho/<int:pk>/schedules/new/", views.schedule_create, name="community_schedule_create"),
    path("ibasho/<int:pk>/sessions/new/", views.session_create, name="community_session_create"),
    path("ibasho/<int:pk>/curriculum/", views.curriculum_add, name="community_curriculum_add"),
    path(
        "ibasho/schedules/<int:pk>/exceptions/",
        views.exception_add,
        name="community_exception_add",
    ),
    path("ibasho/sessions/<int:pk>/", views.session_detail, name="community_session_detail"),
    path("ibasho/sessions/<int:pk>/edit/", views.session_edit, name="community_session_edit"),
    path(
        "ibasho/sessions/<int:pk>/attend/registered/",
        views.attend_registered_view,
        name="community_attend_registered",
    ),
    path(
        "ibasho/sessions/<int:pk>/attend/nickname/",
        views.attend_nickname_view,
        name="community_attend_nickname",
    ),
    path(
        "ibasho/sessions/<int:pk>/attend/anonymous/",
        views.attend_anonymous_view,
        name="community_attend_anonymous",
    ),
    path(
        "ibasho/sessions/<int:pk>/reservations/",
        views.reservation_create_view,
        name="community_reservation_create",
    ),
    path(
        "ibasho/attendance/<int:pk>/remove/",
        views.attendance_remove_view,
        name="community_attendance_remove",
    ),
    path(
        "ibasho/reservations/<int:pk>/cancel/",
        views.reservation_cancel_view,
        name="community_reservation_cancel",
    ),
    path("ibasho/nicknames/", views.nickname_list, name="community_nickname_list"),
    path("ibasho/nicknames/<int:pk>/", views.nickname_detail, name="community_nickname_detail"),
    path(
        "ibasho/nicknames/<int:pk>/link/", views.nickname_link_view, name="community_nickname_link"
    ),
    path(
        "ibasho/nicknames/<int:pk>/unlink/",
        views.nickname_unlink_view,
        name="community_nickname_unlink",
    ),
]
