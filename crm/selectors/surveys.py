"""Selectors of crm: surveys."""
