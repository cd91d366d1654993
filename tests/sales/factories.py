"""Factories of sales models that baker cannot build (constraints, consistent foreign keys),
merged into ``tests.factories.TENANT_FACTORIES`` for the generated isolation tests. Each area
appends its own entries to ``FACTORIES``."""

from __future__ import annotations

FACTORIES: dict = {}


def _plans_factories() -> dict:
    """SalesTarget: the month is a first day (a check constraint)."""
    import datetime as dt

    import factory
    from factory.django import DjangoModelFactory

    class SalesTargetFactory(DjangoModelFactory):
        class Meta:
            model = "sales.SalesTarget"

        month = factory.Sequence(lambda n: dt.date(2020 + n // 12, n % 12 + 1, 1))
        model = ""
        units = 10

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from dealership.tenancy import dealership_context

            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    return {"SalesTarget": SalesTargetFactory}


FACTORIES.update(_plans_factories())
