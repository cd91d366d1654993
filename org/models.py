"""Models of org. Tenant-owned models subclass ``dealership.models.TenantModel``."""
