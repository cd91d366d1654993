"""API views of aftersales: subclasses of ``dealership.api.viewsets.TenantModelViewSet``."""
