"""Reads of after-sales: repairs (being written)."""
