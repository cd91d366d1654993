from rest_framework.routers import DefaultRouter

from org.api import views

router = DefaultRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("positions", views.PositionViewSet, basename="position")
router.register("staff", views.StaffMemberViewSet, basename="staff")
router.register(
    "position-capabilities", views.PositionCapabilityViewSet, basename="positioncapability"
)
urlpatterns = router.urls
