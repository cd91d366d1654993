"""Tables of crm: complaints."""
