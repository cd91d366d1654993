"""Tables of crm: followups."""
