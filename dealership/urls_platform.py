from django.urls import path

from dealership import views

app_name = "platform"
urlpatterns = [
    path("jobs/", views.JobRunListView.as_view(), name="jobrun_list"),
    path("jobs/<int:pk>/", views.JobRunDetailView.as_view(), name="jobrun_detail"),
    path("audit/", views.AuditListView.as_view(), name="audit_list"),
    path("audit/<int:pk>/", views.AuditDetailView.as_view(), name="audit_detail"),
]
