from django.urls import path

from dealership.reports import hq_views, submission_views, views

urlpatterns = [
    path("reports/", views.ReportCatalogueView.as_view(), name="report_list"),
    path("reports/calendar/", views.ReportCalendarView.as_view(), name="report_calendar"),
    path("reports/runs/", views.ReportRunListView.as_view(), name="reportrun_list"),
    path("reports/runs/<int:pk>/", views.ReportRunDetailView.as_view(), name="reportrun_detail"),
    path(
        "reports/runs/<int:pk>/retry/",
        views.ReportRunRetryView.as_view(),
        name="reportrun_retry",
    ),
    path(
        "reports/runs/<int:pk>/submit-for-approval/",
        views.ReportRunSubmitForApprovalView.as_view(),
        name="reportrun_submit_approval",
    ),
    path(
        "reports/runs/<int:pk>/<str:kind>/",
        views.ReportRunFileView.as_view(),
        name="reportrun_file",
    ),
    # the group's HQ (before the reports' own pages: "hq" is no report code)
    path("reports/hq/", hq_views.GroupMatrixView.as_view(), name="hq_matrix"),
    path(
        "reports/hq/exports/",
        hq_views.GroupExportCreateView.as_view(),
        name="hq_export_create",
    ),
    path(
        "reports/hq/exports/<int:pk>/",
        hq_views.GroupExportDetailView.as_view(),
        name="hq_export_detail",
    ),
    path(
        "reports/hq/exports/<int:pk>/<str:kind>/",
        hq_views.GroupExportFileView.as_view(),
        name="hq_export_file",
    ),
    path(
        "reports/submissions/",
        submission_views.SubmissionListView.as_view(),
        name="submission_list",
    ),
    path(
        "reports/submissions/<int:pk>/acknowledge/",
        submission_views.SubmissionAcknowledgeView.as_view(),
        name="submission_acknowledge",
    ),
    path(
        "reports/submissions/<int:pk>/resend/",
        submission_views.SubmissionResendView.as_view(),
        name="submission_resend",
    ),
    path("reports/<str:code>/", views.ReportDetailView.as_view(), name="report_detail"),
    path(
        "reports/<str:code>/generate/",
        views.ReportGenerateView.as_view(),
        name="report_generate",
    ),
]
