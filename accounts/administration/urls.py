from django.urls import path

from accounts.administration import views

urlpatterns = [
    path("administration/", views.index, name="administration"),
    path(
        "administration/local-governments/",
        views.government_list,
        name="administration_governments",
    ),
    path(
        "administration/local-governments/new/",
        views.government_create,
        name="administration_government_create",
    ),
    path(
        "administration/local-governments/<int:pk>/",
        views.government_edit,
        name="administration_government_edit",
    ),
    path(
        "administration/organisations/",
        views.organisation_list,
        name="administration_organisations",
    ),
    path(
        "administration/organisations/new/",
        views.organisation_create,
        name="administration_organisation_create",
    ),
    path(
        "administration/organisations/<int:pk>/",
        views.organisation_edit,
        name="administration_organisation_edit",
    ),
    path("administration/contracts/", views.contract_list, name="administration_contracts"),
    path(
        "administration/contracts/new/",
        views.contract_create,
        name="administration_contract_create",
    ),
    path(
        "administration/contracts/<int:pk>/",
        views.contract_edit,
        name="administration_contract_edit",
    ),
    path(
        "administration/contracts/<int:pk>/renew/",
        views.contract_renew,
        name="administration_contract_renew",
    ),
    path(
        "password/set/<uidb64>/<token>/",
        views.SetPasswordView.as_view(),
        name="password_set",
    ),
]
