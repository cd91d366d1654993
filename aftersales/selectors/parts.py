"""Reads of after-sales: parts (being written)."""
