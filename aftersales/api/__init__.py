"""REST API of aftersales, mounted under ``/api/v1/aftersales/``."""
