from django.urls import path

from handover import views

urlpatterns = [
    path("staff/<int:pk>/handover/", views.handover_page, name="handover"),
    path("staff/<int:pk>/handover/all/", views.handover_all_view, name="handover_all"),
    path("staff/<int:pk>/handover/item/", views.handover_item_view, name="handover_item"),
    path("cases/lead/", views.case_lead_bulk, name="case_lead_bulk"),
]
