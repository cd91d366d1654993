from rest_framework.routers import DefaultRouter

from crm.api.views import CustomerViewSet, VehicleViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("vehicles", VehicleViewSet, basename="vehicle")
urlpatterns = router.urls
