"""API views of sales: subclasses of ``dealership.api.viewsets.TenantModelViewSet``."""
