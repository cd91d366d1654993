"""Reads of sales: plans (being written)."""
