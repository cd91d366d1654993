"""django-tables2 tables of after-sales, one module per area."""
