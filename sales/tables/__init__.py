"""django-tables2 tables of sales, one module per area."""
