"""Factories of after-sales models that baker cannot build, merged into
``tests.factories.TENANT_FACTORIES``. Each area appends its own entries to ``FACTORIES``."""

from __future__ import annotations

FACTORIES: dict = {}


# --- workshop ------------------------------------------------------------------------------------
def _workshop_factories() -> dict:
    from decimal import Decimal

    from factory.django import DjangoModelFactory

    class JobFactory(DjangoModelFactory):
        """A job on an approved repair order's labour line (baker may pick a part line)."""

        class Meta:
            model = "aftersales.Job"

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from aftersales.models import LineKind, RepairLine, RepairStatus
            from dealership.tenancy import dealership_context
            from tests.aftersales.conftest import make_repair_order
            from tests.factories import UserFactory

            dealership = kwargs["dealership"]
            if "repair_order" not in kwargs:
                kwargs["repair_order"] = make_repair_order(
                    dealership, UserFactory(), status=RepairStatus.APPROVED
                )
            if "line" not in kwargs:
                with dealership_context(dealership):
                    kwargs["line"] = RepairLine.objects.create(
                        dealership=dealership,
                        repair_order=kwargs["repair_order"],
                        kind=LineKind.LABOUR,
                        description="labour",
                        hours=Decimal("1.00"),
                    )
            kwargs.setdefault("sold_hours", Decimal("1.00"))
            with dealership_context(dealership):
                return super()._create(model_class, *args, **kwargs)

    return {"Job": JobFactory}


FACTORIES.update(_workshop_factories())


# --- claims --------------------------------------------------------------------------------------
def _claims_factories() -> dict:
    from factory.django import DjangoModelFactory

    class WarrantyClaimLineFactory(DjangoModelFactory):
        """A claimed warranty labour line (baker may pick a part line without a part)."""

        class Meta:
            model = "aftersales.WarrantyClaimLine"

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from model_bakery import baker

            from aftersales.models import LineKind, RepairLine, WarrantyClaim
            from dealership.tenancy import dealership_context
            from tests.aftersales.conftest import make_repair_order
            from tests.factories import UserFactory

            dealership = kwargs["dealership"]
            order = make_repair_order(dealership, UserFactory())
            with dealership_context(dealership):
                kwargs.setdefault(
                    "claim",
                    baker.make(WarrantyClaim, dealership=dealership, repair_order=order),
                )
                kwargs.setdefault(
                    "line",
                    RepairLine.objects.create(
                        dealership=dealership,
                        repair_order=order,
                        kind=LineKind.LABOUR,
                        description="warranty labour",
                        warranty=True,
                    ),
                )
                return super()._create(model_class, *args, **kwargs)

    return {"WarrantyClaimLine": WarrantyClaimLineFactory}


FACTORIES.update(_claims_factories())


# --- repairs -------------------------------------------------------------------------------------
def _repairs_factories() -> dict:
    from factory.django import DjangoModelFactory

    class RepairLineFactory(DjangoModelFactory):
        """A labour line of a repair order (baker may pick a part line without a part)."""

        class Meta:
            model = "aftersales.RepairLine"

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from aftersales.models import LineKind
            from dealership.tenancy import dealership_context
            from tests.aftersales.conftest import make_repair_order
            from tests.factories import UserFactory

            dealership = kwargs["dealership"]
            if "repair_order" not in kwargs:
                kwargs["repair_order"] = make_repair_order(dealership, UserFactory())
            kwargs.setdefault("kind", LineKind.LABOUR)
            kwargs.setdefault("description", "labour")
            with dealership_context(dealership):
                return super()._create(model_class, *args, **kwargs)

    return {"RepairLine": RepairLineFactory}


FACTORIES.update(_repairs_factories())


# --- targets -------------------------------------------------------------------------------------
def _targets_factories() -> dict:
    """ServiceTarget: the month is a first day (a check constraint), one per person."""
    import datetime as dt
    import itertools

    import factory
    from factory.django import DjangoModelFactory

    serial = itertools.count(1)

    class ServiceTargetFactory(DjangoModelFactory):
        class Meta:
            model = "aftersales.ServiceTarget"

        month = factory.LazyFunction(
            lambda: (lambda n: dt.date(2000 + n // 12, n % 12 + 1, 1))(next(serial))
        )
        role = "service_advisor"
        repair_orders = 10

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from dealership.tenancy import dealership_context
            from tests.factories import UserFactory

            kwargs.setdefault("person", UserFactory())
            kwargs.setdefault("set_by", kwargs["person"])
            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    return {"ServiceTarget": ServiceTargetFactory}


FACTORIES.update(_targets_factories())
