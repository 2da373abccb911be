from django.urls import URLPattern, URLResolver, path

from participation import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("hosts/", views.host_list, name="host_list"),
    path("hosts/new/", views.host_new, name="host_new"),
    path("hosts/<int:pk>/", views.host_detail, name="host_detail"),
    path("hosts/<int:pk>/edit/", views.host_edit_view, name="host_edit"),
    path("hosts/<int:pk>/visits/new/", views.visit_new, name="visit_new"),
    path("hosts/<int:pk>/tours/new/", views.tour_new, name="tour_new"),
    path("hosts/<int:pk>/suggest/", views.suggestion_new, name="suggestion_new"),
    path(
        "hosts/<int:pk>/suggestions/<int:suggestion_pk>/",
        views.suggestion_decide,
        name="suggestion_decide",
    ),
    path("hosts/<int:pk>/offers/new/", views.offer_new, name="offer_new"),
    path("offers/<int:pk>/", views.offer_detail, name="offer_detail"),
    path("offers/<int:pk>/edit/", views.offer_edit_view, name="offer_edit"),
]
