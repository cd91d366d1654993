"""Forms of crm: followups."""
