"""Writes of crm: outreach."""
