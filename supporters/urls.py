from django.urls import URLPattern, URLResolver, path

from supporters import my_views, views

urlpatterns: list[URLPattern | URLResolver] = [
    path("supporters/", views.supporter_list, name="supporter_list"),
    path("supporters/new/", views.supporter_create, name="supporter_create"),
    path("supporters/<int:pk>/", views.supporter_detail, name="supporter_detail"),
    path("supporters/<int:pk>/edit/", views.supporter_edit, name="supporter_edit"),
    path("supporters/<int:pk>/trainings/", views.training_new, name="training_new"),
    path("dispatches/", views.dispatch_list, name="dispatch_list"),
    path("dispatches/new/", views.dispatch_new, name="dispatch_new"),
    path("dispatches/<int:pk>/", views.dispatch_detail, name="dispatch_detail"),
    path("dispatches/<int:pk>/cancel/", views.dispatch_cancel_view, name="dispatch_cancel"),
    path("my/dispatches/", my_views.my_dispatches, name="my_dispatches"),
    path("my/dispatches/<int:pk>/", my_views.my_dispatch_detail, name="my_dispatch_detail"),
    path("my/dispatches/<int:pk>/report/", my_views.my_dispatch_report, name="my_dispatch_report"),
]
