"""Reads of after-sales: workshop (being written)."""
