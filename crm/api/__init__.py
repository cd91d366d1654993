"""REST API of crm, mounted under ``/api/v1/crm/``."""
