"""API views of finance: subclasses of ``dealership.api.viewsets.TenantModelViewSet``."""
