"""Selectors of crm: board."""
