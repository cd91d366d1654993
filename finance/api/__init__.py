"""REST API of finance, mounted under ``/api/v1/finance/``."""
