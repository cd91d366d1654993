"""Phone numbers under PIPL: masked (138****1234) for positions without
``crm.view_customer_phone``; in full for the owner consultant, the specialist assigned to an
open follow-up and the holders of the capability (at its own scope); exactly one PhoneReveal
row per customer whose full number a page shows, none for a masked one; constant queries."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.models import FollowUp, PhoneReveal
from crm.services.privacy import phones_shown
from dealership.actors import SYSTEM
from dealership.tenancy import TenantScope, dealership_context, tenant_context
from tests.crm.conftest import make_event, make_owner
from tests.crm.test_board_figures import make_repair_order

pytestmark = pytest.mark.django_db
_serial = itertools.count(1)


def _customer(cast, owner=None, **fields):
    return make_owner(cast.a, owner, mobile=f"139{next(_serial):08d}", **fields)


def _masked(number: str) -> str:
    return f"{number[:3]}****{number[-4:]}"


def _reveals(cast, **filters) -> list[PhoneReveal]:
    with dealership_context(cast.a):
        return list(PhoneReveal.objects.filter(**filters).order_by("pk"))


def _shown(cast, user, customers, context="test", fields=("mobile",)):
    with dealership_context(cast.a):
        return phones_shown(user=user, customers=customers, context=context, fields=fields)


# --- the rule ---------------------------------------------------------------------------------------


def test_a_cr_specialist_sees_masked_numbers_and_nothing_is_logged(cast, team):
    customer = _customer(cast, team.sales_consultant)
    shown = _shown(cast, team.cr_specialist, [customer])
    assert shown == {customer.pk: {"mobile": _masked(customer.mobile)}}
    assert _reveals(cast) == []


def test_the_owner_consultant_sees_the_full_number_whatever_their_position(cast, team):
    # a CR specialist holds no phone capability, but owns this customer
    own = _customer(cast, team.cr_specialist)
    other = _customer(cast, team.sales_consultant)
    shown = _shown(cast, team.cr_specialist, [own, other], context="/crm/customers/")
    assert shown[own.pk]["mobile"] == own.mobile
    assert shown[other.pk]["mobile"] == _masked(other.mobile)
    [row] = _reveals(cast)
    assert (row.user_id, row.customer_id, row.context) == (
        team.cr_specialist.pk,
        own.pk,
        "/crm/customers/",
    )


def test_the_assigned_specialist_sees_the_number_while_the_follow_up_is_open(cast, team):
    customer = _customer(cast, team.sales_consultant)
    event = make_event(cast.a, customer=customer, staff=team.sales_consultant)
    with dealership_context(cast.a):
        FollowUp.objects.filter(event=event).update(specialist=team.cr_specialist, status="due")
    assert _shown(cast, team.cr_specialist, [customer])[customer.pk]["mobile"] == customer.mobile
    with dealership_context(cast.a):
        FollowUp.objects.filter(event=event).update(status="done")
    assert _shown(cast, team.cr_specialist, [customer])[customer.pk]["mobile"] == _masked(
        customer.mobile
    )
    assert len(_reveals(cast, user=team.cr_specialist)) == 1


@pytest.mark.parametrize(
    "who", ["customer_relations_manager", "crm_director", "sales_followup_specialist", "gm"]
)
def test_holders_of_the_capability_at_dealership_scope_see_every_number(cast, team, who):
    customers = [_customer(cast, team.sales_consultant), _customer(cast)]
    user = getattr(team, who)
    shown = _shown(cast, user, customers + customers)  # listed twice: logged once
    assert [shown[c.pk]["mobile"] for c in customers] == [c.mobile for c in customers]
    assert sorted(r.customer_id for r in _reveals(cast, user=user)) == sorted(
        c.pk for c in customers
    )


def test_the_capability_s_own_scope_decides(cast, team):
    # the sales manager reads numbers at department scope: their consultant's customers only
    of_the_department = _customer(cast, team.sales_consultant)
    of_nobody = _customer(cast)
    shown = _shown(cast, team.sales_manager, [of_the_department, of_nobody])
    assert shown[of_the_department.pk]["mobile"] == of_the_department.mobile
    assert shown[of_nobody.pk]["mobile"] == _masked(of_nobody.mobile)
    # a consultant (own scope) another consultant's customer: masked
    assert _shown(cast, team.sales_consultant, [of_nobody])[of_nobody.pk]["mobile"] == _masked(
        of_nobody.mobile
    )


def test_hq_and_system_code_never_see_full_numbers(cast, team):
    customer = _customer(cast, team.sales_consultant)
    hq = TenantScope.for_group(cast.group1.pk, [cast.a.pk, cast.b.pk])
    with tenant_context(hq):
        shown = phones_shown(user=cast.hq_user, customers=[customer], context="hq")
    assert shown[customer.pk]["mobile"] == _masked(customer.mobile)
    assert _shown(cast, SYSTEM, [customer])[customer.pk]["mobile"] == _masked(customer.mobile)
    assert _reveals(cast) == []


def test_empty_numbers_stay_empty_and_are_not_logged(cast, team):
    customer = _customer(cast, team.sales_consultant, mobile_alt="13912345678")
    shown = _shown(cast, team.crm_director, [customer], fields=("mobile", "mobile_alt", "landline"))
    assert shown[customer.pk] == {
        "mobile": customer.mobile,
        "mobile_alt": "13912345678",
        "landline": "",
    }
    no_number = make_owner(cast.a, team.sales_consultant, mobile=None)
    assert _shown(cast, team.crm_director, [no_number])[no_number.pk] == {"mobile": ""}
    assert [r.customer_id for r in _reveals(cast)] == [customer.pk]


# --- pages and API: one row per full number shown per view -------------------------------------------


def test_customer_list_masked_for_the_cr_specialist_full_and_logged_for_the_manager(
    cast, team, client_for
):
    customers = [_customer(cast, team.sales_consultant) for _ in range(3)]
    html = client_for(team.cr_specialist).get("/crm/customers/").content.decode()
    assert all(_masked(c.mobile) in html and c.mobile not in html for c in customers)
    assert _reveals(cast) == []
    html = client_for(team.customer_relations_manager).get("/crm/customers/").content.decode()
    assert all(c.mobile in html for c in customers)
    rows = _reveals(cast, user=team.customer_relations_manager)
    assert sorted(r.customer_id for r in rows) == sorted(c.pk for c in customers)
    assert {r.context for r in rows} == {"/crm/customers/"}


def test_customer_detail_for_the_owner_the_specialist_and_the_cr_specialist(cast, team, client_for):
    customer = _customer(cast, team.sales_consultant, mobile_alt="13987654321")
    url = f"/crm/customers/{customer.pk}/"
    html = client_for(team.sales_consultant).get(url).content.decode()
    assert customer.mobile in html and "13987654321" in html
    assert len(_reveals(cast, user=team.sales_consultant)) == 1  # one row for the page
    html = client_for(team.cr_specialist).get(url).content.decode()
    assert customer.mobile not in html and _masked(customer.mobile) in html
    assert _reveals(cast, user=team.cr_specialist) == []


def test_customer_api_masks_and_logs_once_per_response(cast, team, api_for):
    customers = [_customer(cast, team.sales_consultant) for _ in range(2)]
    data = api_for(team.cr_specialist).get("/api/v1/crm/customers/").json()["results"]
    assert {row["mobile"] for row in data} == {_masked(c.mobile) for c in customers}
    assert _reveals(cast) == []
    data = api_for(team.crm_director).get("/api/v1/crm/customers/").json()["results"]
    assert {row["mobile"] for row in data} == {c.mobile for c in customers}
    assert len(_reveals(cast, user=team.crm_director)) == 2
    one = api_for(team.crm_director).get(f"/api/v1/crm/customers/{customers[0].pk}/").json()
    assert one["mobile"] == customers[0].mobile
    assert len(_reveals(cast, user=team.crm_director)) == 3


def test_the_customer_edit_form_logs_the_numbers_it_shows(cast, team, client_for):
    customer = _customer(cast, team.sales_consultant)
    response = client_for(team.crm_director).get(f"/crm/customers/{customer.pk}/edit/")
    assert response.status_code == 200 and customer.mobile in response.content.decode()
    assert [r.customer_id for r in _reveals(cast, user=team.crm_director)] == [customer.pk]


def test_sales_and_after_sales_pages_go_through_the_log(cast, team, client_for, api_for):
    from tests.sales.factories import FACTORIES

    delivery = FACTORIES["Delivery"](dealership=cast.a)
    html = client_for(team.gm).get("/sales/deliveries/").content.decode()
    assert delivery.customer.mobile in html
    html = client_for(team.gm).get(f"/sales/deliveries/{delivery.pk}/").content.decode()
    assert delivery.customer.mobile in html
    api = api_for(team.gm).get("/api/v1/sales/deliveries/").json()["results"]
    assert api[0]["customer"]["mobile"] == delivery.customer.mobile
    assert [r.context for r in _reveals(cast, customer_id=delivery.customer_id)] == [
        "/sales/deliveries/",
        f"/sales/deliveries/{delivery.pk}/",
        "/api/v1/sales/deliveries/",
    ]
    # the front desk holds the phone capability (dealership): in full, and logged
    order = make_repair_order(cast.a, timezone.now() - dt.timedelta(hours=1))
    order.advisor = team.service_advisor
    with dealership_context(cast.a):
        order.save(update_fields=["advisor"])
    client = client_for(team.service_advisor)
    assert order.customer.mobile in client.get("/aftersales/repair-orders/").content.decode()
    assert len(_reveals(cast, customer_id=order.customer_id)) == 1


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["customer_relations_manager", "cr_specialist"])
def test_customer_list_queries_are_constant_with_the_log(cast, team, client_for, who):
    client = client_for(getattr(team, who))
    _customer(cast, team.sales_consultant)
    _count(client, "/crm/customers/")
    one = _count(client, "/crm/customers/")
    for _ in range(12):
        _customer(cast, team.sales_consultant)
    assert _count(client, "/crm/customers/") == one
