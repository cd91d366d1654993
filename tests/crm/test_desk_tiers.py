"""Customer tiers (客户分级): the default VIP / gold / ordinary rules of every dealership, the
customers measured from their crm events (spending, visits) and the vehicles they own, the
highest tier reached; rules changed by the CRM managers only (every change measures again);
the tier on the customer page and as a list filter; the API; the customer mix report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from model_bakery import baker

from crm.models import Customer, CustomerEvent, CustomerStanding, CustomerTier, Vehicle
from crm.services import tiers as services
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db
API = "/api/v1/crm/"


@pytest.fixture
def people(cast) -> dict:
    made = {"gm": cast.user_a}
    for code in ("customer_relations_manager", "cr_specialist", "sales_consultant"):
        user = UserFactory(username=f"tier_{code}", name=f"tier {code}")
        hire(user, cast.a, code)
        made[code] = user
    return made


def customer_with(dealership, *, spent=(), vehicles=0, name="张三"):
    with dealership_context(dealership):
        customer = baker.make(Customer, dealership=dealership, name=name)
        for index in range(vehicles):
            baker.make(
                Vehicle,
                dealership=dealership,
                vin=f"T{customer.pk:014d}{index}"[-17:],
                model="K5",
                owner=customer,
            )
        for index, (kind, amount) in enumerate(spent):
            baker.make(
                CustomerEvent,
                dealership=dealership,
                customer=customer,
                vehicle=None,
                staff=None,
                kind=kind,
                amount=Decimal(amount),
                occurred_on=timezone.localdate() - dt.timedelta(days=index + 1),
                source_type="tests.tier",
                source_id=customer.pk * 100 + index,
            )
        return customer


def tier_of(dealership, customer):
    with dealership_context(dealership):
        services.standings_refresh()
        standing = CustomerStanding.objects.select_related("tier").get(customer=customer)
        return standing.tier.code if standing.tier else None


def test_every_dealership_starts_with_three_tiers(cast):
    with dealership_context(cast.a):
        assert list(CustomerTier.objects.values_list("code", flat=True)) == [
            "vip",
            "gold",
            "ordinary",
        ]


def test_the_highest_tier_reached_is_the_customers(cast):
    vip = customer_with(
        cast.a, spent=[("sales", 260000), ("sales", 180000), ("service", 800)], vehicles=2
    )
    rich_one_car = customer_with(cast.a, spent=[("sales", 450000)], vehicles=1)
    newcomer = customer_with(cast.a)
    assert tier_of(cast.a, vip) == "vip"
    assert tier_of(cast.a, rich_one_car) == "gold"  # VIP needs two cars too
    assert tier_of(cast.a, newcomer) == "ordinary"
    with dealership_context(cast.a):
        standing = CustomerStanding.objects.get(customer=vip)
        assert standing.spending == Decimal("440800.00")
        assert (standing.vehicles, standing.purchases, standing.visits) == (2, 2, 1)


def test_measuring_twice_changes_nothing(cast):
    customer = customer_with(cast.a, spent=[("sales", 160000)], vehicles=1)
    assert tier_of(cast.a, customer) == "gold"
    with dealership_context(cast.a):
        services.standings_refresh()
        assert CustomerStanding.objects.filter(customer=customer).count() == 1


def test_changing_a_rule_measures_again_and_is_for_the_crm_managers(cast, people):
    customer = customer_with(cast.a, spent=[("sales", 160000)], vehicles=1)
    assert tier_of(cast.a, customer) == "gold"
    with dealership_context(cast.a):
        gold = CustomerTier.objects.get(code="gold")
        with pytest.raises(PermissionDenied):
            services.tier_update(actor=people["cr_specialist"], tier_id=gold.pk, min_visits=1)
        services.tier_update(
            actor=people["customer_relations_manager"], tier_id=gold.pk, min_visits=1
        )
        assert CustomerStanding.objects.get(customer=customer).tier.code == "ordinary"
        with pytest.raises(ValidationError) as error:
            services.tier_create(
                actor=people["customer_relations_manager"], code="gold", name_zh="x", rank=5
            )
        assert "code" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.tier_create(
                actor=people["customer_relations_manager"], code="silver", name_zh="银卡", rank=2
            )
        assert "rank" in error.value.message_dict
        with pytest.raises(ValidationError):
            services.tier_create(
                actor=people["customer_relations_manager"],
                code="x",
                name_zh="x",
                rank=5,
                min_spending="-1",
            )
        services.tier_delete(actor=people["customer_relations_manager"], tier_id=gold.pk)
        assert CustomerStanding.objects.get(customer=customer).tier.code == "ordinary"


def test_the_customer_page_and_list_filter(cast, people, client_for):
    customer = customer_with(cast.a, spent=[("sales", 160000)], vehicles=1, name="金卡客户甲")
    other = customer_with(cast.a, name="普通客户乙")
    tier_of(cast.a, customer)
    manager = client_for(people["customer_relations_manager"])
    page = manager.get(f"/crm/customers/{customer.pk}/").content.decode()
    assert 'data-tier="gold"' in page
    with dealership_context(cast.a):
        gold = CustomerTier.objects.get(code="gold")
    listing = manager.get(f"/crm/customers/?tier={gold.pk}").content.decode()
    assert "金卡客户甲" in listing and "普通客户乙" not in listing
    assert other.pk
    assert manager.get("/crm/tiers/").status_code == 200
    assert manager.post("/crm/tiers/new/", {"code": "", "name_zh": ""}).status_code == 400
    made = manager.post(
        "/crm/tiers/new/",
        {
            "code": "silver",
            "name_zh": "银卡客户",
            "rank": 3,
            "min_spending": "80000",
            "min_vehicles": 1,
            "min_visits": 0,
        },
    )
    assert made.status_code == 302
    specialist = client_for(people["cr_specialist"])
    assert specialist.get("/crm/tiers/").status_code == 200
    assert 'data-testid="edit"' not in specialist.get("/crm/tiers/").content.decode()
    assert specialist.get("/crm/tiers/new/").status_code == 403
    assert client_for(cast.user_b).get(f"/crm/tiers/{gold.pk}/edit/").status_code == 404


def test_the_api(cast, people, api_for):
    manager = api_for(people["customer_relations_manager"])
    listed = manager.get(f"{API}customer-tiers/")
    assert listed.status_code == 200 and listed.json()["count"] == 3
    made = manager.post(
        f"{API}customer-tiers/",
        {"code": "silver", "name_zh": "银卡", "rank": 3, "min_spending": "80000.00"},
        format="json",
    )
    assert made.status_code == 201, made.content
    clash = manager.post(
        f"{API}customer-tiers/",
        {"code": "silver", "name_zh": "银卡", "rank": 4, "min_spending": "1"},
        format="json",
    )
    assert clash.status_code == 400
    assert (
        api_for(people["cr_specialist"])
        .post(f"{API}customer-tiers/", {"code": "x", "name_zh": "x", "rank": 5}, format="json")
        .status_code
        == 403
    )
    assert api_for(cast.user_b).get(f"{API}customer-tiers/{made.json()['id']}/").status_code == 404


def test_the_customer_mix_report(cast):
    from crm.reports.desk import customer_mix_report
    from dealership.actors import SYSTEM
    from dealership.reports.periods import Period

    customer_with(cast.a, spent=[("sales", 160000), ("service", 1000)], vehicles=1)
    customer_with(cast.a, spent=[("service", 500)])
    customer_with(cast.b, spent=[("sales", 999999)], vehicles=1)
    with dealership_context(cast.a):
        services.standings_refresh()
        content = customer_mix_report(SYSTEM, Period.containing("month", timezone.localdate()))
    figures = {str(label): value for label, value, _kind in content.figures}
    assert figures["Customers"] >= 2
    assert figures["Spending"] == Decimal("161500.00")
    tiers = {row[0]: row for row in content.tables[0].rows}
    assert tiers["Gold"][1] == 1
    models = {row[0]: row for row in content.tables[2].rows}
    assert models["K5"][1] == 1
