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


def _stock_factories() -> dict:
    """StockVehicle: a status consistent with its arrival (a check constraint), a unique VIN;
    Delivery: its order, customer, vehicles and lead all of one dealership, consistent."""
    import datetime as dt
    from decimal import Decimal

    import factory
    from factory.django import DjangoModelFactory

    from dealership.tenancy import dealership_context

    class _InScope(DjangoModelFactory):
        class Meta:
            abstract = True

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    class StockVehicleFactory(_InScope):
        class Meta:
            model = "sales.StockVehicle"

        vin = factory.Sequence(lambda n: f"LFACT{n:012d}")
        model = "K5"
        colour = "白"
        status = "in_stock"
        arrived_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=20))
        cost = Decimal("150000.00")
        list_price = Decimal("179800.00")

    class DeliveryFactory(_InScope):
        class Meta:
            model = "sales.Delivery"

        delivered_on = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=1))
        documents = factory.LazyFunction(lambda: ["invoice"])

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from crm.models import Customer, Vehicle
            from sales.models import Lead, Order
            from tests.factories import UserFactory

            dealership = kwargs["dealership"]
            n = next(_serial)
            consultant = UserFactory()
            car = StockVehicleFactory(dealership=dealership, status="delivered")
            with dealership_context(dealership):
                customer = Customer.objects.create(
                    dealership=dealership, name=f"客户{n}", mobile=f"137{n:08d}"
                )
                vehicle = Vehicle.objects.create(
                    dealership=dealership, vin=car.vin, owner=customer, model=car.model
                )
                lead = Lead.objects.create(
                    dealership=dealership, customer=customer, consultant=consultant
                )
                order = Order.objects.create(
                    dealership=dealership,
                    number=f"FD{n:06d}",
                    lead=lead,
                    customer=customer,
                    consultant=consultant,
                    stock_vehicle=car,
                    vehicle_model=car.model,
                    price=Decimal("170000.00"),
                    deposit=Decimal("5000.00"),
                    deposit_paid_on=dt.date.today() - dt.timedelta(days=10),
                    ordered_on=dt.date.today() - dt.timedelta(days=10),
                    status="delivered",
                )
            kwargs.update(
                order=order,
                customer=customer,
                vehicle=vehicle,
                stock_vehicle=car,
                consultant=consultant,
            )
            return super()._create(model_class, *args, **kwargs)

    class OrderFactory(_InScope):
        """An open order without a car (used unless the orders area registers its own)."""

        class Meta:
            model = "sales.Order"

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from crm.models import Customer
            from sales.models import Lead
            from tests.factories import UserFactory

            dealership = kwargs["dealership"]
            n = next(_serial)
            consultant = UserFactory()
            with dealership_context(dealership):
                customer = Customer.objects.create(
                    dealership=dealership, name=f"客户{n}", mobile=f"136{n:08d}"
                )
                lead = Lead.objects.create(
                    dealership=dealership, customer=customer, consultant=consultant
                )
            kwargs.update(
                number=f"FO{n:06d}",
                lead=lead,
                customer=customer,
                consultant=consultant,
                vehicle_model="K5",
                price=Decimal("170000.00"),
                deposit=Decimal("5000.00"),
                deposit_paid_on=dt.date.today() - dt.timedelta(days=3),
                ordered_on=dt.date.today() - dt.timedelta(days=3),
            )
            return super()._create(model_class, *args, **kwargs)

    return {
        "StockVehicle": StockVehicleFactory,
        "Delivery": DeliveryFactory,
        "_Order": OrderFactory,
    }


_serial = iter(range(1, 10**6))
_stock = _stock_factories()
FACTORIES.setdefault("Order", _stock.pop("_Order"))  # the orders area's own factory wins
FACTORIES.update(_stock)


def _orders_factories() -> dict:
    """Quote (discount within the list price) and Order (deposit within the price, a unique
    number): a factory order on a lead of its own customer, all of one dealership."""
    import datetime as dt
    from decimal import Decimal

    from factory.django import DjangoModelFactory

    from dealership.tenancy import dealership_context

    def _lead(dealership):
        from crm.models import Customer
        from sales.models import Lead
        from tests.factories import UserFactory

        n = next(_serial)
        consultant = UserFactory()
        with dealership_context(dealership):
            customer = Customer.objects.create(
                dealership=dealership, name=f"订单客户{n}", mobile=f"136{n:08d}"
            )
            return Lead.objects.create(
                dealership=dealership, customer=customer, consultant=consultant
            )

    class QuoteFactory(DjangoModelFactory):
        class Meta:
            model = "sales.Quote"

        vehicle_model = "K5"
        list_price = Decimal("179800.00")
        discount = Decimal("1000.00")
        total = Decimal("178800.00")
        status = "draft"  # editable, so its edit page opens for the control

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            lead = _lead(kwargs["dealership"])
            kwargs.update(lead=lead, customer=lead.customer, consultant=lead.consultant)
            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    class OrderFactory(DjangoModelFactory):
        class Meta:
            model = "sales.Order"

        vehicle_model = "K5"
        price = Decimal("170000.00")
        deposit = Decimal("5000.00")
        status = "factory"

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            lead = _lead(kwargs["dealership"])
            day = dt.date.today() - dt.timedelta(days=3)
            kwargs.update(
                lead=lead,
                customer=lead.customer,
                consultant=lead.consultant,
                number=f"SOF{next(_serial):06d}",
                deposit_paid_on=day,
                ordered_on=day,
            )
            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    return {"Quote": QuoteFactory, "Order": OrderFactory}


FACTORIES.update(_orders_factories())
