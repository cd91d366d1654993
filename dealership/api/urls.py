from django.urls import path
from rest_framework.routers import DefaultRouter

from dealership.api import views
from dealership.api.health import HealthView
from dealership.api.reports_submissions import OemSubmissionViewSet
from dealership.documents.api import DocumentPdfView
from dealership.exports.api import ListExportViewSet
from dealership.notifications.api import DeliveryViewSet, WeComRobotViewSet

router = DefaultRouter()
router.register("dealerships", views.DealershipViewSet, basename="dealership")
router.register("job-runs", views.JobRunViewSet, basename="jobrun")
router.register("wecom-robots", WeComRobotViewSet, basename="wecomrobot")
router.register("deliveries", DeliveryViewSet, basename="delivery")
router.register("exports", ListExportViewSet, basename="listexport")

app_name = "platform-api"
urlpatterns = [
    # the scheduler's health: the checks for anyone, the details for who sees the job runs
    path("health/", HealthView.as_view(), name="health"),
    path("documents/<str:kind>/<int:pk>/", DocumentPdfView.as_view(), name="document-pdf"),
    *router.urls,
]

# /api/v1/reports/ (mounted by dealership.urls): the report runs and their submissions
reports_router = DefaultRouter()
reports_router.include_root_view = False
reports_router.register("runs", views.ReportRunViewSet, basename="reportrun")
reports_router.register("submissions", OemSubmissionViewSet, basename="oemsubmission")
reports_urlpatterns = reports_router.urls
