"""The log of phone numbers shown (``crm:phone_log``): the CRM director reads who saw whose
number, when and where, filtered by user, customer and date, paginated, in a constant number
of queries; a specialist gets 403; another dealership's GM sees none of A's rows."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crm.models import PhoneReveal
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_owner

pytestmark = pytest.mark.django_db
URL = "/crm/privacy/phone-log/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
_serial = itertools.count(1)


def _reveal(cast, user, customer, at=None, context="/crm/customers/"):
    with dealership_context(cast.a):
        row = PhoneReveal.objects.create(
            dealership=cast.a, user=user, customer=customer, context=context
        )
        if at is not None:
            PhoneReveal.objects.filter(pk=row.pk).update(at=at)
    return row


def _customer(cast, name="李四"):
    return make_owner(cast.a, name=name, mobile=f"133{next(_serial):08d}")


def _ids(html: str) -> list[str]:
    return re.findall(r"#(\d+)</span>", html)


def test_the_director_reads_the_log_a_specialist_gets_403(cast, team, client_for):
    customer = _customer(cast, "王五")
    _reveal(cast, team.sales_followup_specialist, customer)
    response = client_for(team.crm_director).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "王五" in html and "team sales_followup_specialist" in html and "/crm/customers/" in html
    # the customer is linked for the director, who may open it
    assert f'href="/crm/customers/{customer.pk}/"' in html
    assert client_for(team.cr_specialist).get(URL).status_code == 403
    assert client_for(team.sales_consultant).get(URL).status_code == 403


def test_filters_by_user_customer_and_local_dates(cast, team, client_for):
    first, second = _customer(cast, "赵一"), _customer(cast, "钱二")
    _reveal(
        cast, team.sales_followup_specialist, first, dt.datetime(2026, 3, 1, 0, 5, tzinfo=SHANGHAI)
    )
    _reveal(
        cast,
        team.customer_relations_manager,
        second,
        dt.datetime(2026, 3, 2, 23, 55, tzinfo=SHANGHAI),
    )
    _reveal(
        cast, team.customer_relations_manager, first, dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)
    )
    client = client_for(team.crm_director)

    def names(**params):
        html = client.get(URL, params).content.decode()
        table = re.search(r'data-testid="phone-log".*?</table>', html, re.S).group(0)
        return re.findall(r"(赵一|钱二)", table)

    assert names() == ["赵一", "钱二", "赵一"]  # newest first
    assert names(user=team.customer_relations_manager.pk) == ["赵一", "钱二"]
    assert names(customer="钱") == ["钱二"]
    assert names(customer=f"#{first.pk}") == ["赵一", "赵一"]
    assert names(since="2026-03-02", until="2026-03-02") == ["钱二"]
    assert names(since="2026-03-01", until="2026-03-01") == ["赵一"]
    bad = client.get(URL, {"since": "2026-03-05", "until": "2026-03-01"})
    assert bad.status_code == 200 and 'data-testid="filter-errors"' in bad.content.decode()


def test_the_log_is_paginated_with_constant_queries(cast, team, client_for):
    client = client_for(team.crm_director)
    customer = _customer(cast)
    _reveal(cast, team.gm, customer)

    def count(url=URL):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    count()
    one = count()
    for n in range(60):
        _reveal(cast, team.sales_followup_specialist, _customer(cast, f"客户{n}"))
    assert count() == one
    html = client.get(URL).content.decode()
    assert len(_ids(html)) == 50
    assert len(_ids(client.get(URL, {"page": 2}).content.decode())) == 11


def test_another_dealership_sees_none_of_a_s_log(cast, team, client_for):
    _reveal(cast, team.gm, _customer(cast, "孙三"))
    html = client_for(cast.user_b).get(URL).content.decode()
    assert "孙三" not in html


def test_the_nav_entry_is_for_who_may_read_the_log(cast, team, client_for):
    assert (
        'data-nav="crm_phone_log"'
        in client_for(team.crm_director).get("/dashboard/").content.decode()
    )
    assert (
        'data-nav="crm_phone_log"'
        not in client_for(team.cr_specialist).get("/dashboard/").content.decode()
    )


def test_viewing_a_customer_appears_in_the_director_s_log(cast, team, client_for):
    customer = make_owner(cast.a, team.sales_consultant, name="周六", mobile="13300009999")
    client_for(team.sales_consultant).get(f"/crm/customers/{customer.pk}/")
    html = client_for(team.crm_director).get(URL).content.decode()
    assert "周六" in html and f"/crm/customers/{customer.pk}/" in html
