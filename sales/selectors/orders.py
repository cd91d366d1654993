"""Reads of sales: orders (being written)."""
