"""Factories of crm models that baker cannot build (constraints, consistent foreign keys),
merged into ``tests.factories.TENANT_FACTORIES`` for the generated isolation tests. Each area
appends its own entries to ``FACTORIES``."""

from __future__ import annotations

FACTORIES: dict = {}
