"""Forms of crm: surveys."""
