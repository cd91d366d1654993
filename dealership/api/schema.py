from drf_spectacular.generators import SchemaGenerator

from dealership.tenancy import TenantScope, tenant_context


class TenantSafeSchemaGenerator(SchemaGenerator):
    """Generates the OpenAPI schema inside an empty tenant scope: introspection (django-filter
    builds querysets) works, and no tenant's rows can be read while doing it."""

    def get_schema(self, request=None, public=False):
        with tenant_context(TenantScope()):
            return super().get_schema(request=request, public=public)
