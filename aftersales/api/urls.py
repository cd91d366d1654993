"""API of after-sales under ``/api/v1/aftersales/``: each ``aftersales/api/<area>.py`` registers
its viewsets on the router with ``register(router)``."""

from rest_framework.routers import DefaultRouter

from aftersales.api import claims, parts, repairs, targets, workshop

router = DefaultRouter(trailing_slash=True)
for area in (repairs, workshop, parts, claims, targets):
    area.register(router)
urlpatterns = router.urls
