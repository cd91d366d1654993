from django.urls import path

from dealership.reports import views

urlpatterns = [
    path("reports/", views.ReportCatalogueView.as_view(), name="report_list"),
    path("reports/runs/", views.ReportRunListView.as_view(), name="reportrun_list"),
    path("reports/runs/<int:pk>/", views.ReportRunDetailView.as_view(), name="reportrun_detail"),
    path(
        "reports/runs/<int:pk>/retry/",
        views.ReportRunRetryView.as_view(),
        name="reportrun_retry",
    ),
    path(
        "reports/runs/<int:pk>/<str:kind>/",
        views.ReportRunFileView.as_view(),
        name="reportrun_file",
    ),
    path("reports/<str:code>/", views.ReportDetailView.as_view(), name="report_detail"),
    path(
        "reports/<str:code>/generate/",
        views.ReportGenerateView.as_view(),
        name="report_generate",
    ),
]
