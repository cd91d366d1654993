from rest_framework.routers import DefaultRouter

from org.api import views
from org.approvals.api import ApprovalChainViewSet, ApprovalRequestViewSet, DelegationViewSet
from org.office import api as office

router = DefaultRouter()
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("positions", views.PositionViewSet, basename="position")
router.register("staff", views.StaffMemberViewSet, basename="staff")
router.register(
    "position-capabilities", views.PositionCapabilityViewSet, basename="positioncapability"
)
router.register("approval-requests", ApprovalRequestViewSet, basename="approvalrequest")
router.register("approval-chains", ApprovalChainViewSet, basename="approvalchain")
router.register("delegations", DelegationViewSet, basename="delegation")
office.register(router)
urlpatterns = router.urls
