"""Reads of sales: stock (being written)."""
