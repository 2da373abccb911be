from django.urls import path

from accounts.staff import views

urlpatterns = [
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_create_view, name="staff_create"),
    path("staff/import/", views.staff_import, name="staff_import"),
    path("staff/import/confirm/", views.staff_import_confirm, name="staff_import_confirm"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/unlock/", views.staff_unlock, name="staff_unlock"),
    path("staff/<int:pk>/tokens/revoke/", views.staff_tokens_revoke, name="staff_tokens_revoke"),
    path("staff/<int:pk>/invite/", views.staff_invite_view, name="staff_invite"),
    path("staff/<int:pk>/deactivate/", views.staff_deactivate_view, name="staff_deactivate"),
    path("staff/<int:pk>/reactivate/", views.staff_reactivate_view, name="staff_reactivate"),
    # The invitation link works without a login (the staff member has no password yet).
    path("invite/<str:token>/", views.invitation_open, name="invitation_open"),
    path("invite/", views.invitation_accept_view, name="invitation_accept"),
]
