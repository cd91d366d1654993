"""The demo data of #18 for sales and after-sales: price lists in effect and one awaiting
approval, the year's, quarter's and month's plans approved (and submitted), next month's a
draft, sub-dealers with assessments, and every service person's target; seeding twice adds
nothing."""

from __future__ import annotations

import pytest

from dealership.tenancy import dealership_context
from org.approvals import services as approvals
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db


@pytest.fixture
def floor(cast, staff):
    for code in ("sales_director", "deputy_gm"):
        hire(UserFactory(username=f"demo_{code}"), cast.a, code)
    with dealership_context(cast.a):
        approvals.chains_seed(cast.a)
    return staff


def test_the_sales_demo(cast, floor):
    from sales import demo
    from sales.models import PriceList, SalesPlan, SubDealer, SubDealerAssessment
    from sales.selectors.salesplans import effective_ids

    demo.seed_plans([cast.a])
    demo.seed_plans([cast.a])  # idempotent
    with dealership_context(cast.a):
        states = sorted(PriceList.objects.values_list("state", flat=True))
        assert states.count("approved") == len(demo.BRAND_MODELS["kia"])
        assert states.count("pending") == 1
        assert len(effective_ids()) == len(demo.BRAND_MODELS["kia"])
        plans = {(p.period, p.state) for p in SalesPlan.objects.all()}
        assert plans == {
            ("year", "submitted"),
            ("quarter", "approved"),
            ("month", "submitted"),
            ("month", "draft"),
        }
        assert SubDealer.objects.count() == 3 and SubDealerAssessment.objects.count() == 4


def test_the_aftersales_demo(cast):
    from aftersales import demo
    from aftersales.models import ServiceTarget

    for code in ("service_manager", "service_advisor", "technician", "parts_salesperson"):
        hire(UserFactory(username=f"demo_{code}"), cast.a, code)
    demo.seed_targets([cast.a])
    demo.seed_targets([cast.a])
    with dealership_context(cast.a):
        assert ServiceTarget.objects.count() == 6  # three people, two months
        assert set(ServiceTarget.objects.values_list("role", flat=True)) == {
            "service_advisor",
            "technician",
            "parts_salesperson",
        }
