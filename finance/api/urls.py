from rest_framework.routers import DefaultRouter

from finance import kinds as K
from finance.api.views import viewset_for

router = DefaultRouter(trailing_slash=True)
for spec in K.FINANCE_KINDS.values():
    router.register(spec.slug, viewset_for(spec), basename=spec.model._meta.model_name)
urlpatterns = router.urls
