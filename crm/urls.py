"""URLs of crm, one list per area (each ``crm/views/<area>.py`` owns its ``urlpatterns``)."""

from crm.views import (
    board,
    calls,
    complaints,
    customers,
    datachecks,
    followups,
    intelligence,
    marketing,
    outreach,
    surveys,
    targets,
)
from crm.views import desk as desk_views

app_name = "crm"
urlpatterns = [
    *customers.urlpatterns,
    *followups.urlpatterns,
    *calls.urlpatterns,
    *surveys.urlpatterns,
    *complaints.urlpatterns,
    *outreach.urlpatterns,
    *intelligence.urlpatterns,
    *marketing.urlpatterns,
    *board.urlpatterns,
    *desk_views.urlpatterns,
    *datachecks.urlpatterns,
    *targets.urlpatterns,
]
