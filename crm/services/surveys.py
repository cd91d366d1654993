"""Writes of crm: surveys."""
