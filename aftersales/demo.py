"""Demo data of after-sales: a plausible last month per dealership (filled in with the demo)."""

from __future__ import annotations


def seed(dealerships) -> list:
    """Seed each dealership's after-sales month through the services; returns extra logins."""
    return []
