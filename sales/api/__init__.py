"""REST API of sales, mounted under ``/api/v1/sales/``."""
