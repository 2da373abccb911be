from django.urls import path

from cases import activity_views, assessment_views, plan_views, print_views, views
from collaboration.timeline import case_timeline

urlpatterns = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/timeline/", case_timeline, name="case_timeline"),
    path("cases/<int:pk>/stage/", views.case_stage, name="case_stage"),
    path("cases/<int:pk>/close/", views.case_close_view, name="case_close"),
    path("cases/<int:pk>/reopen/", views.case_reopen_view, name="case_reopen"),
    path("cases/<int:pk>/household/", views.case_household, name="case_household"),
    path(
        "cases/<int:pk>/assessments/new/",
        assessment_views.assessment_new,
        name="assessment_new",
    ),
    path(
        "cases/<int:pk>/assessments/<int:number>/",
        assessment_views.assessment_detail,
        name="assessment_detail",
    ),
    path("cases/<int:pk>/plan/", plan_views.plan_edit, name="plan_edit"),
    path("cases/<int:pk>/plan/<int:number>/", plan_views.plan_detail, name="plan_detail"),
    path("cases/<int:pk>/activities/new/", activity_views.activity_new, name="activity_new"),
    path(
        "cases/<int:pk>/activities/<int:activity_pk>/correct/",
        activity_views.activity_correct_view,
        name="activity_correct",
    ),
    path(
        "cases/<int:pk>/activities/<int:activity_pk>/versions/",
        activity_views.activity_versions,
        name="activity_versions",
    ),
    path("cases/<int:pk>/summary.pdf", print_views.case_summary_pdf, name="case_summary_pdf"),
    path("cases/<int:pk>/plan/<int:number>.pdf", print_views.plan_pdf, name="plan_pdf"),
    path(
        "cases/<int:pk>/assessments/<int:number>.pdf",
        print_views.assessment_pdf,
        name="assessment_pdf",
    ),
    path("watch/", views.watch_list, name="watch_list"),
    path("households/<int:pk>/cases/new/", views.household_case_open, name="household_case_open"),
]
