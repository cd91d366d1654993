"""API of sales under ``/api/v1/sales/``: each ``sales/api/<area>.py`` registers its viewsets
on the router with ``register(router)``."""

from rest_framework.routers import DefaultRouter

from sales.api import leads, orders, plans, salesplans, stock

router = DefaultRouter(trailing_slash=True)
for area in (leads, orders, stock, plans, salesplans):
    area.register(router)
urlpatterns = router.urls
