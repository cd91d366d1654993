"""REST API of org, mounted under ``/api/v1/org/``."""
