"""Pages of crm, one module per area, each with its ``urlpatterns`` (and ``register_widgets()``)."""
