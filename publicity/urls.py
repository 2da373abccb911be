from django.urls import URLPattern, URLResolver, path

from publicity import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("public/<str:code>/ibasho/", views.place_list, name="public_place_list"),
    path("public/ibasho/<int:pk>/", views.place_detail, name="public_place_detail"),
    path("public/ibasho/<int:pk>/calendar.ics", views.place_ics, name="public_place_ics"),
]
