"""Factories of after-sales models that baker cannot build, merged into
``tests.factories.TENANT_FACTORIES``. Each area appends its own entries to ``FACTORIES``."""

from __future__ import annotations

FACTORIES: dict = {}
