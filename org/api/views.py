"""API views of org: subclasses of ``dealership.api.viewsets.TenantModelViewSet``."""
