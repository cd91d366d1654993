"""Selectors of crm: outreach."""
