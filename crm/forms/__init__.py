"""Forms of crm, one module per area."""

from crm.forms.customers import dealership_people

__all__ = ["dealership_people"]
