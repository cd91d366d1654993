"""Models of crm. Tenant-owned models subclass ``dealership.models.TenantModel``."""
