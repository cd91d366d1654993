"""Models of sales. Tenant-owned models subclass ``dealership.models.TenantModel``."""
