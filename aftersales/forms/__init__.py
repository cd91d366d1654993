"""Forms of after-sales, one module per area."""
