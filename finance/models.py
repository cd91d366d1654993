"""Models of finance. Tenant-owned models subclass ``dealership.models.TenantModel``."""
