"""Reads of after-sales: claims (being written)."""
