from rest_framework.routers import DefaultRouter

from crm.api import board, complaints, followups, intelligence, outreach, surveys
from crm.api import desk as desk_api
from crm.api import targets as targets_api
from crm.api.customers import CustomerViewSet, VehicleViewSet

router = DefaultRouter(trailing_slash=True)
router.register("customers", CustomerViewSet, basename="customer")
router.register("vehicles", VehicleViewSet, basename="vehicle")
for area in (followups, surveys, complaints, outreach, intelligence, board):
    area.register(router)
targets_api.register(router)
from crm.api import marketing as marketing_api  # noqa: E402

marketing_api.register(router)
desk_api.register(router)
urlpatterns = router.urls
