from django.urls import path

from dealership import views
from dealership.documents import views as document_views
from dealership.exports import views as export_views
from dealership.reports.urls import urlpatterns as report_urls
from dealership.security import views as security_views

app_name = "platform"
urlpatterns = [
    path("jobs/", views.JobRunListView.as_view(), name="jobrun_list"),
    path("jobs/<int:pk>/", views.JobRunDetailView.as_view(), name="jobrun_detail"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path(
        "documents/<str:kind>/<int:pk>/",
        document_views.DocumentPrintView.as_view(),
        name="document_print",
    ),
    path(
        "documents/<str:kind>/<int:pk>/versions/",
        document_views.DocumentVersionsView.as_view(),
        name="document_versions",
    ),
    path(
        "documents/<str:kind>/<int:pk>/v<int:version>/",
        document_views.DocumentVersionView.as_view(),
        name="document_version",
    ),
    path("exports/", export_views.ListExportListView.as_view(), name="export_list"),
    path("exports/<int:pk>/", export_views.ListExportDetailView.as_view(), name="export_detail"),
    path("exports/<int:pk>/file/", export_views.ListExportFileView.as_view(), name="export_file"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
    path("security/", security_views.SecurityEventListView.as_view(), name="security_events"),
    path(
        "security/unlock/<int:pk>/",
        security_views.UnlockView.as_view(),
        name="security_unlock",
    ),
    *report_urls,
]
