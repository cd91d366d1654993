from django.urls import path
from django.views.generic import RedirectView

from org import views

app_name = "org"
urlpatterns = [
    path("chart/", views.ChartView.as_view(), name="chart"),
    path("me/", views.ProfileView.as_view(), name="profile"),
    path("departments/new/", views.DepartmentFormView.as_view(), name="department_create"),
    path("departments/<int:pk>/edit/", views.DepartmentFormView.as_view(), name="department_edit"),
    path(
        "departments/<int:pk>/delete/",
        views.DepartmentDeleteView.as_view(),
        name="department_delete",
    ),
    path("positions/new/", views.PositionFormView.as_view(), name="position_create"),
    path("positions/<int:pk>/", views.PositionDetailView.as_view(), name="position_detail"),
    path("positions/<int:pk>/edit/", views.PositionFormView.as_view(), name="position_edit"),
    path("positions/<int:pk>/delete/", views.PositionDeleteView.as_view(), name="position_delete"),
    path("staff/", views.StaffListView.as_view(), name="staff_list"),
    path("staff/new/", views.StaffFormView.as_view(), name="staff_create"),
    path("staff/<int:pk>/", views.StaffDetailView.as_view(), name="staff_detail"),
    path("staff/<int:pk>/edit/", views.StaffFormView.as_view(), name="staff_edit"),
    path("staff/<int:pk>/end/", views.StaffEndView.as_view(), name="staff_end"),
    path("staff/<int:pk>/share/", views.StaffShareView.as_view(), name="staff_share"),
    path("capabilities/", views.CapabilityMatrixView.as_view(), name="capabilities"),
    # the audit log is the platform's now (every module records into it); old links still work
    path("audit/", RedirectView.as_view(pattern_name="platform:audit_list"), name="audit_list"),
    path(
        "audit/<int:pk>/",
        RedirectView.as_view(pattern_name="platform:audit_detail"),
        name="audit_detail",
    ),
]
