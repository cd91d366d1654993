"""Tables of crm: surveys."""
