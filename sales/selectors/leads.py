"""Reads of sales: leads (being written)."""
