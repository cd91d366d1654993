"""Issue #15: forms that choose a customer do not list every customer of the dealership (about
3,000 at bench scale, 36 bytes each): the select holds the chosen one, typing loads at most 20
matches among the customers the viewer may see."""

from __future__ import annotations

import itertools
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import Customer, CustomerKind
from dealership.tenancy import dealership_context
from tests.factories import UserFactory, hire

pytestmark = pytest.mark.django_db

FORMS = ("/sales/traffic/new/", "/sales/leads/new/", "/crm/vehicles/new/", "/crm/members/join/")
OPTIONS = "/crm/customers/options/"
_serial = itertools.count(1)


def _customers(dealership, count, *, name="客户", start=0, owner=None, kind=CustomerKind.PERSON):
    with dealership_context(dealership):
        Customer.objects.bulk_create(
            Customer(
                dealership=dealership,
                name=f"{name}{start + i}",
                mobile=f"137{next(_serial):08d}",
                owner=owner,
                kind=kind,
            )
            for i in range(count)
        )
        return list(Customer.objects.filter(name__startswith=name).order_by("pk"))


def _get(client, url, params=None):
    client.get(url, params or {})  # warm
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


@pytest.mark.parametrize("url", FORMS)
def test_a_form_does_not_grow_with_the_customers(cast, client_for, url):
    client = client_for(cast.user_a)
    _customers(cast.a, 10)
    page, queries = _get(client, url)
    _customers(cast.a, 400, start=10)
    grown, queries_after = _get(client, url)
    assert len(grown) == len(page)  # 400 more customers, not one byte more
    assert queries_after == queries
    assert 'data-testid="customer-search"' in grown
    assert 'hx-get="/crm/customers/options/' in grown
    assert "客户1" not in grown  # nobody listed before a search


def test_the_matches_are_few_and_only_customers_the_viewer_may_see(cast, client_for):
    gm = client_for(cast.user_a)
    _customers(cast.a, 30, name="王")
    _customers(cast.b, 5, name="王")  # another dealership's
    page, queries = _get(gm, OPTIONS, {"q": "王"})
    ids = [int(pk) for pk in re.findall(r'<option value="(\d+)">', page)]
    assert len(ids) == 20 and page.startswith('<option value="">—</option>')
    with dealership_context(cast.a):
        assert set(Customer.objects.filter(pk__in=ids).values_list("dealership_id", flat=True)) == {
            cast.a.pk
        }
    _customers(cast.a, 100, name="王", start=100)
    more, queries_after = _get(gm, OPTIONS, {"q": "王"})
    assert len(re.findall(r'<option value="(\d+)">', more)) == 20
    assert queries_after == queries
    # by the exact mobile
    with dealership_context(cast.a):
        one = Customer.objects.get(name="王7")
    page = gm.get(OPTIONS, {"q": one.mobile}).content.decode()
    assert re.findall(r'<option value="(\d+)">', page) == [str(one.pk)]
    # companies only for a key account
    _customers(cast.a, 2, name="王氏公司", kind=CustomerKind.COMPANY)
    page = gm.get(OPTIONS, {"q": "王", "kind": "company"}).content.decode()
    assert re.findall(r">([^<]+) \(#\d+\)</option>", page) == ["王氏公司0", "王氏公司1"]

    # a consultant sees their own customers only
    consultant = UserFactory()
    hire(consultant, cast.a, "sales_consultant")
    mine = _customers(cast.a, 2, name="赵", owner=consultant)
    _customers(cast.a, 2, name="钱")
    page = client_for(consultant).get(OPTIONS, {"q": ""}).content.decode()
    assert sorted(int(pk) for pk in re.findall(r'<option value="(\d+)">', page)) == sorted(
        c.pk for c in mine
    )
    # nobody without the customer master
    assert client_for(cast.outsider).get(OPTIONS, {"q": "王"}).status_code in (302, 403)


def test_the_chosen_customer_stays_chosen(cast, client_for):
    [customer] = _customers(cast.a, 1, name="孙")
    _customers(cast.a, 50, start=1, name="孙")
    # an invalid post shows the form again with the customer chosen, and only them
    page = (
        client_for(cast.user_a)
        .post("/crm/members/join/", {"customer": customer.pk, "member_no": ""})
        .content.decode()
    )
    options = re.findall(r"<option value=\"(\d*)\"( selected)?>", page)
    assert (str(customer.pk), " selected") in options
    assert sum(1 for value, _ in options if value) == 1
    # so does one given in the address (from the customer's page)
    page = client_for(cast.user_a).get("/crm/members/join/", {"customer": customer.pk})
    options = re.findall(r"<option value=\"(\d*)\"( selected)?>", page.content.decode())
    assert [o for o in options if o[0]] == [(str(customer.pk), " selected")]
