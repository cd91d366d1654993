"""Tables of crm: outreach."""
