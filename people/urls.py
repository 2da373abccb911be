from django.urls import path

from people import duplicate_views, household_views, views

urlpatterns = [
    path("persons/", views.person_list, name="person_list"),
    path("persons/pick/", views.person_pick, name="person_pick"),
    path("persons/new/", views.person_create_view, name="person_create"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/duplicates/", duplicate_views.duplicate_queue, name="duplicate_queue"),
    path(
        "persons/duplicates/<int:pk>/", duplicate_views.duplicate_compare, name="duplicate_compare"
    ),
    path(
        "persons/duplicates/<int:pk>/merge/",
        duplicate_views.duplicate_merge,
        name="duplicate_merge",
    ),
    path(
        "persons/duplicates/<int:pk>/different/",
        duplicate_views.duplicate_different,
        name="duplicate_different",
    ),
    path("persons/merges/<int:pk>/undo/", duplicate_views.merge_undo, name="merge_undo"),
    path("households/", household_views.household_list, name="household_list"),
    path("households/new/", household_views.household_create_view, name="household_create"),
    path("households/<int:pk>/", household_views.household_detail, name="household_detail"),
    path(
        "households/<int:pk>/members/",
        household_views.household_add_member_view,
        name="household_add_member",
    ),
    path(
        "households/<int:pk>/members/<int:membership_id>/end/",
        household_views.household_end_membership_view,
        name="household_end_membership",
    ),
]
