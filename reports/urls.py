from django.urls import URLPattern, URLResolver, path

from reports import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("reports/", views.fy_tables, name="reports_index"),
    path("reports/chart/<str:kind>.svg", views.chart, name="reports_chart"),
    path("reports/export/<str:fmt>/", views.export, name="reports_export"),
    path("reports/records/", views.drill, name="reports_drill"),
    path("reports/runs/<int:pk>/", views.run_progress, name="reports_run"),
    path("reports/operations/", views.operations, name="reports_operations"),
    path("reports/participation/", views.participation, name="reports_participation"),
    path(
        "reports/participation/export/<str:fmt>/",
        views.participation_export,
        name="reports_participation_export",
    ),
    path("reports/crosstab/", views.cross_tab, name="reports_crosstab"),
    path("reports/crosstab/save/", views.cross_tab_save, name="reports_crosstab_save"),
    path("reports/crosstab/saved/<int:pk>/", views.saved_report, name="reports_saved"),
]
