"""Cache keys carry the tenant, so one dealership's cached data never answers another's."""

from dealership.tenancy.context import current_scope


def make_key(key: str, key_prefix: str, version: int) -> str:
    scope = current_scope()
    tenant = scope.cache_key_part if scope is not None else "global"
    return f"{key_prefix}:{version}:{tenant}:{key}"
