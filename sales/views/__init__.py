"""HTML views of sales, one module per area, each with its ``urlpatterns``:

* ``leads`` — showroom traffic, leads, test drives, key accounts;
* ``orders`` — quotes, orders, trade-ins, discount limits;
* ``stock`` — vehicle stock, deliveries, vehicle-allocation requests;
* ``plans`` — the sales board, the morning/evening meeting sheet, targets, the day
  confirmation."""
