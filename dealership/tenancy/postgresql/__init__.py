"""The PostgreSQL backend with row-level security (``ENGINE`` when ``DATABASE_URL`` is
PostgreSQL; see :mod:`dealership.tenancy.rls`)."""
