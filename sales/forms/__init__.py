"""Forms of sales, one module per area."""
