"""URLs of sales, one list per area (each ``sales/views/<area>.py`` owns its ``urlpatterns``)."""

from sales.views import leads, orders, plans, salesplans, stock

app_name = "sales"
urlpatterns = [
    *leads.urlpatterns,
    *orders.urlpatterns,
    *stock.urlpatterns,
    *plans.urlpatterns,
    *salesplans.urlpatterns,
]
