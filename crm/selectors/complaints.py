"""Selectors of crm: complaints."""
