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
    *datachecks.urlpatterns,
    *targets.urlpatterns,
]
