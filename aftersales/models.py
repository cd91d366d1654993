"""Models of aftersales. Tenant-owned models subclass ``dealership.models.TenantModel``."""
