"""Forms of crm: outreach."""
