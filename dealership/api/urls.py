from rest_framework.routers import DefaultRouter

from dealership.api import views

router = DefaultRouter()
router.register("dealerships", views.DealershipViewSet, basename="dealership")
router.register("job-runs", views.JobRunViewSet, basename="jobrun")

app_name = "platform-api"
urlpatterns = router.urls
