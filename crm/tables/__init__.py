"""Tables of crm, one module per area."""
