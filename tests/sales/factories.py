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


def _salesplans_factories() -> dict:
    """Sales plans (a first day, one per period), price lists (floor below the MSRP),
    sub-dealers (a contract that ends after it starts) and their assessments (a period that
    ends after it starts)."""
    import datetime as dt
    import itertools
    from decimal import Decimal

    import factory
    from factory.django import DjangoModelFactory

    from dealership.tenancy import dealership_context

    serial = itertools.count(1)

    class _InScope(DjangoModelFactory):
        class Meta:
            abstract = True

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            from tests.factories import UserFactory

            for field in model_class._meta.concrete_fields:
                if (
                    field.many_to_one
                    and not field.null
                    and field.related_model._meta.label == "dealership.User"
                    and field.name not in kwargs
                ):
                    kwargs[field.name] = UserFactory()
            with dealership_context(kwargs["dealership"]):
                return super()._create(model_class, *args, **kwargs)

    class SalesPlanFactory(_InScope):
        class Meta:
            model = "sales.SalesPlan"

        period = "month"
        starts_on = factory.LazyFunction(
            lambda: (lambda n: dt.date(2000 + n // 12, n % 12 + 1, 1))(next(serial))
        )

    class PriceListFactory(_InScope):
        class Meta:
            model = "sales.PriceList"

        model = factory.LazyFunction(lambda: f"M{next(serial)}")
        msrp = Decimal("179800.00")
        dealer_price = Decimal("165000.00")
        floor_price = Decimal("170000.00")
        valid_from = dt.date(2026, 1, 1)
        state = "approved"

    class SubDealerFactory(_InScope):
        class Meta:
            model = "sales.SubDealer"

        name = factory.LazyFunction(lambda: f"二级店{next(serial)}")
        contact_name = "李四"
        region = "番禺"
        contract_start = dt.date(2026, 1, 1)
        contract_end = dt.date(2026, 12, 31)
        state = "active"

    class SubDealerAssessmentFactory(_InScope):
        class Meta:
            model = "sales.SubDealerAssessment"

        period_start = factory.LazyFunction(
            lambda: dt.date(2000, 1, 1) + dt.timedelta(days=next(serial))
        )
        period_end = factory.LazyAttribute(lambda o: o.period_start + dt.timedelta(days=30))
        score = 80

        @classmethod
        def _create(cls, model_class, *args, **kwargs):
            if "sub_dealer" not in kwargs:
                kwargs["sub_dealer"] = SubDealerFactory(dealership=kwargs["dealership"])
            return super()._create(model_class, *args, **kwargs)

    return {
        "SalesPlan": SalesPlanFactory,
        "PriceList": PriceListFactory,
        "SubDealer": SubDealerFactory,
        "SubDealerAssessment": SubDealerAssessmentFactory,
    }


FACTORIES.update(_salesplans_factories())
