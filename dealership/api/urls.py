from rest_framework.routers import DefaultRouter

from dealership.api import views
from dealership.notifications.api import DeliveryViewSet, WeComRobotViewSet

router = DefaultRouter()
router.register("dealerships", views.DealershipViewSet, basename="dealership")
router.register("job-runs", views.JobRunViewSet, basename="jobrun")
router.register("wecom-robots", WeComRobotViewSet, basename="wecomrobot")
router.register("deliveries", DeliveryViewSet, basename="delivery")

app_name = "platform-api"
urlpatterns = router.urls
