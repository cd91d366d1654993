"""URLs of after-sales, one list per area (each ``aftersales/views/<area>.py`` owns its
``urlpatterns``)."""

from aftersales.views import claims, parts, repairs, targets, workshop

app_name = "aftersales"
urlpatterns = [
    *repairs.urlpatterns,
    *workshop.urlpatterns,
    *parts.urlpatterns,
    *claims.urlpatterns,
    *targets.urlpatterns,
]
