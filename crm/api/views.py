"""API views of crm: subclasses of ``dealership.api.viewsets.TenantModelViewSet``."""
