"""HTML views of after-sales, one module per area, each with its ``urlpatterns`` and
``register_widgets()``:

* ``repairs`` — appointments, check-in and repair orders (lines, status flow, invoice PDF),
  roadside rescues;
* ``workshop`` — bays, jobs, clock-on/off, the workshop board, efficiency;
* ``parts`` — parts, movements, purchase orders and receipts, counter sales, stock counts;
* ``claims`` — warranty claims, technical cases, the service board and the day's numbers."""
