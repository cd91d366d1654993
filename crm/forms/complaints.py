"""Forms of crm: complaints."""
