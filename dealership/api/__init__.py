"""The API base every app builds on: the tenant-aware viewset, pagination, the error shape."""
