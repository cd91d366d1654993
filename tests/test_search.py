"""The top bar's search (issue #20): what each kind of person finds, masked as elsewhere, grouped
and capped without ever counting what they may not see; the page and the API; bad input."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.models import Customer, Vehicle
from dealership.search.service import PER_GROUP, search
from dealership.tenancy import dealership_context
from tests.factories import TENANT_FACTORIES, UserFactory, hire

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


def _customer(dealership, name, *, mobile=None, owner=None, plate="", vin=None):
    with dealership_context(dealership):
        customer = Customer.objects.create(
            dealership=dealership, name=name, mobile=mobile, owner=owner
        )
        if plate or vin:
            Vehicle.objects.create(
                dealership=dealership,
                owner=customer,
                plate=plate,
                vin=vin or f"LSVTEST{next(_serial):010d}",
                brand="起亚",
                model="K5",
            )
        return customer


def _person(dealership, code):
    user = UserFactory(username=f"search_{code}_{next(_serial)}", name=code)
    hire(user, dealership, code)
    return user


def _found(user, query, dealership):
    """``{group key: [(title, detail, url), …]}`` as ``user`` finds ``query``."""
    from dealership.tenancy.context import _scope
    from dealership.tenancy.resolve import resolve_scope

    token = _scope.set(resolve_scope(user, None))
    try:
        outcome = search(user, query, context="/search/")
    finally:
        _scope.reset(token)
    return {g.key: [(ln.title, ln.detail, ln.url) for ln in g.lines] for g in outcome.groups}


def _page(client, query):
    return client.get(reverse("search"), {"q": query})


# --- who finds what ------------------------------------------------------------------------------


def test_a_consultant_finds_their_own_customer_and_not_a_colleagues(cast, client_for):
    mine, theirs = _person(cast.a, "sales_consultant"), _person(cast.a, "sales_consultant")
    own = _customer(cast.a, "王小明", mobile="13912340001", owner=mine, plate="粤A11111")
    other = _customer(cast.a, "王小红", mobile="13912340002", owner=theirs, plate="粤A22222")
    client = client_for(mine)
    for query in ("王小", "13912340002", "粤A22222", "0002", "22222"):
        body = _page(client, query).content.decode()
        assert other.get_absolute_url() not in body, query
        assert "王小红" not in body, query
    body = _page(client, "王小").content.decode()
    assert own.get_absolute_url() in body
    # the owner sees the full number of their own customer (logged, as on the customer page)
    assert "13912340001" in body
    # nothing says that a colleague's customer exists
    assert "more" not in body.lower() and 'data-testid="search-more"' not in body


def test_a_service_advisor_finds_the_customer_by_plate_vin_tail_or_phone_tail(cast):
    advisor = _person(cast.a, "service_advisor")
    customer = _customer(
        cast.a, "李四", mobile="13712345678", plate="粤B8D123", vin="LVGBE40K7NG000012"
    )
    for query in ("粤b·8d123", "粤B 8D123", "8D123", "000012", "NG000012", "5678", "李四"):
        found = _found(advisor, query, cast.a)
        assert customer.get_absolute_url() in [u for _t, _d, u in found["crm.customer"]], query
    found = _found(advisor, "粤B8D123", cast.a)
    assert [t for t, _d, _u in found["crm.vehicle"]] == ["粤B8D123"]


def test_phones_are_masked_for_who_may_not_see_them(cast):
    cr = _person(cast.a, "cr_specialist")  # every customer, numbers masked
    _customer(cast.a, "赵六", mobile="13611112222")
    (line,) = _found(cr, "赵六", cast.a)["crm.customer"]
    assert line[1] == "136****2222"
    (line,) = _found(cast.user_a, "赵六", cast.a)["crm.customer"]  # the GM sees it
    assert line[1] == "13611112222"


def test_hq_finds_in_every_dealership_of_its_group_with_numbers_masked(cast):
    in_a = _customer(cast.a, "集团客户甲", mobile="13500000001")
    in_b = _customer(cast.b, "集团客户乙", mobile="13500000002")
    in_c = _customer(cast.c, "集团客户丙", mobile="13500000003")
    found = _found(cast.hq_user, "集团客户", cast.a)["crm.customer"]
    urls = {u for _t, _d, u in found}
    assert {in_a.get_absolute_url(), in_b.get_absolute_url()} <= urls
    assert in_c.get_absolute_url() not in urls
    assert {d for _t, d, _u in found} == {"135****0001", "135****0002"}


def test_a_group_the_viewer_may_not_open_is_left_out_not_refused(cast, client_for):
    consultant = _person(cast.a, "sales_consultant")  # no repair orders
    from aftersales.models import RepairOrder
    from tests.aftersales.conftest import make_repair_order

    order = make_repair_order(cast.a, cast.user_a)
    with dealership_context(cast.a):
        RepairOrder.objects.filter(pk=order.pk).update(number="RO209901-0042")
        order.refresh_from_db()
    response = _page(client_for(consultant), order.number)
    assert response.status_code == 200
    assert order.get_absolute_url() not in response.content.decode()
    assert order.number in _page(client_for(cast.user_a), order.number).content.decode()


# --- grouping, the cap, no counts ----------------------------------------------------------------


def test_results_are_grouped_by_type(cast):
    from sales.models import Order

    _customer(cast.a, "分组客户", mobile="13800002345", plate="粤C12345")
    order = TENANT_FACTORIES[Order](dealership=cast.a)
    with dealership_context(cast.a):
        Order.objects.filter(pk=order.pk).update(number="SO209901-2345")
    found = _found(cast.user_a, "2345", cast.a)
    assert {"crm.customer", "crm.vehicle", "sales.order"} <= set(found)
    assert [t for t, _d, _u in found["sales.order"]] == ["SO209901-2345"]
    found = _found(cast.user_a, "SO209901-2345", cast.a)
    assert list(found) == ["sales.order"]


def test_a_group_is_capped_and_links_to_the_modules_list_without_a_count(cast, client_for):
    for i in range(PER_GROUP + 3):
        _customer(cast.a, f"同名客户{i}", mobile=f"1330000{i:04d}")
    response = _page(client_for(cast.user_a), "同名客户")
    body = response.content.decode()
    assert body.count('data-testid="search-result"') == PER_GROUP
    assert f'href="{reverse("crm:customer_list")}?q=%E5%90%8C' in body
    assert str(PER_GROUP + 3) not in body.replace("1330000", "")


def test_hidden_rows_are_neither_counted_nor_hinted(cast, client_for):
    consultant = _person(cast.a, "sales_consultant")
    colleague = _person(cast.a, "sales_consultant")
    for i in range(PER_GROUP + 3):
        _customer(cast.a, f"隐藏客户{i}", owner=colleague)
    body = _page(client_for(consultant), "隐藏客户").content.decode()
    assert 'data-testid="search-result"' not in body
    assert 'data-testid="search-more"' not in body
    assert 'data-testid="search-nothing"' in body


def test_queries_do_not_grow_with_the_rows(cast, client_for):
    client = client_for(cast.user_a)
    _customer(cast.a, "计数客户0", mobile="13400000000", plate="粤D00000")

    def count():
        client.get(reverse("search"), {"q": "0000"})  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("search"), {"q": "计数客户"}).status_code == 200
        return len(queries)

    before = count()
    for i in range(1, 15):
        _customer(cast.a, f"计数客户{i}", mobile=f"134000000{i:02d}", plate=f"粤D0{i:04d}")
    assert count() == before


# --- the page and the API; bad input -------------------------------------------------------------


def test_an_empty_search_explains_what_to_type(cast, client_for):
    response = _page(client_for(cast.user_a), "   ")
    assert response.status_code == 200
    assert 'data-testid="search-hint"' in response.content.decode()


@pytest.mark.parametrize("query", ["x" * 51, "粤" * 300])
def test_a_too_long_search_answers_400_with_a_reason(cast, client_for, api_for, query):
    response = _page(client_for(cast.user_a), query)
    assert response.status_code == 400
    assert "50" in response.content.decode().split('data-testid="search-error"', 1)[1][:200]
    response = api_for(cast.user_a).get(reverse("api-search"), {"q": query})
    assert response.status_code == 400
    assert "q" in response.json()["error"]["fields"]


@pytest.mark.parametrize("query", ["张\x00三", "a\x1fb", "\x7f"])
def test_control_characters_answer_400_never_500(cast, client_for, api_for, query):
    # refused before the view by the central check of input (dealership.inputs)
    assert _page(client_for(cast.user_a), query).status_code == 400
    assert api_for(cast.user_a).get(reverse("api-search"), {"q": query}).status_code == 400


@pytest.mark.parametrize(
    "query", ["%", "_", "\\", "'; drop table", "<script>", "粤", "——", "１２３４"]
)
def test_strange_but_harmless_input_is_searched(cast, client_for, query):
    response = _page(client_for(cast.user_a), query)
    assert response.status_code == 200
    assert "<script>" not in response.content.decode().split("<main", 1)[1]


def test_the_api_returns_the_same_groups(cast, api_for):
    customer = _customer(cast.a, "接口客户", mobile="13300001111", plate="粤E12345")
    response = api_for(cast.user_a).get(reverse("api-search"), {"q": "粤e 12345"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "粤e 12345"
    assert "plate" in data["kinds"]
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["crm.customer"]["lines"][0]["url"] == customer.get_absolute_url()
    assert groups["crm.customer"]["more_url"] is None
    assert groups["crm.vehicle"]["lines"][0]["title"] == "粤E12345"


# --- indexes -------------------------------------------------------------------------------------


SEARCH_KEY_INDEXES = {
    "crm_customer_name_head",
    "crm_customer_name_tail",
    "crm_customer_initials_head",
    "crm_customer_mobile_tail",
    "crm_customer_mobile_alt_tail",
    "crm_vehicle_plate_head",
    "crm_vehicle_plate_tail",
    "crm_vehicle_vin_tail",
    "crm_complaint_number_head",
    "crm_complaint_number_tail",
    "sales_order_number_head",
    "sales_order_number_tail",
    "aftersales_ro_number_head",
    "aftersales_ro_number_tail",
}


def test_the_search_keys_have_byte_ordered_indexes_per_dealership_on_postgresql(db):
    if connection.vendor != "postgresql":
        pytest.skip("the indexes are PostgreSQL only (SQLite searches without)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public'")
        found = dict(cursor.fetchall())
    assert set(found) >= SEARCH_KEY_INDEXES
    for name in SEARCH_KEY_INDEXES:
        assert "(dealership_id, " in found[name] and 'COLLATE "C"' in found[name], found[name]
    # the trigram indexes, which the application's role never used, are gone
    assert not [name for name in found if name.endswith("_trgm")]


def test_a_piece_is_compared_with_leakproof_operators_an_index_serves_under_rls(cast):
    """``LIKE`` is leaky, so under row-level security PostgreSQL reads every row of the scope for
    it, whatever index exists; the search keys compare with ``>=`` and ``<``, which are
    leakproof, so their index serves the role the application runs as."""
    if connection.vendor != "postgresql":
        pytest.skip("row-level security is PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.oprname, p.proleakproof FROM pg_operator o JOIN pg_proc p "
            "ON p.oid = o.oprcode WHERE o.oprleft = 'text'::regtype "
            "AND o.oprright = 'text'::regtype AND o.oprname IN ('>=', '<', '~~')"
        )
        leakproof = dict(cursor.fetchall())
    assert leakproof == {">=": True, "<": True, "~~": False}
    from dealership.search.matchers import classify
    from dealership.search.providers import search_providers

    with dealership_context(cast.a):
        for provider in search_providers():
            for query in ("王", "小明", "5678", "NG000012", "粤B8D1", "0012", "zs"):
                condition = provider.condition(classify(query))
                if condition is None:
                    continue
                sql = str(provider.model.objects.filter(condition).query)
                assert " LIKE " not in sql.upper(), (provider.key, query, sql)
                assert 'COLLATE "C") >= ' in sql, (provider.key, query, sql)


def test_a_piece_is_found_at_the_start_or_the_end_of_a_value_not_in_its_middle(cast):
    advisor = _person(cast.a, "service_advisor")
    customer = _customer(
        cast.a, "欧阳小明", mobile="13712345678", plate="粤B8D123", vin="LVGBE40K7NG000012"
    )
    url = customer.get_absolute_url()
    for query in ("欧阳", "小明", "欧阳小明", "粤B8D1", "8D123", "5678", "000012", "NG000012"):
        assert url in [u for _t, _d, u in _found(advisor, query, cast.a)["crm.customer"]], query
    for query in ("阳小", "B8D1", "1234"):  # the middle of a name, a plate, a mobile
        found = _found(advisor, query, cast.a).get("crm.customer", [])
        assert url not in [u for _t, _d, u in found], query


def test_the_reversed_keys_follow_every_write_the_database_sees(cast):
    """The twin columns are kept by the database: a bulk ``update()`` (no ``save()``) is found
    by its new tail at once."""
    advisor = _person(cast.a, "service_advisor")
    customer = _customer(cast.a, "钱七", mobile="13712340000")
    with dealership_context(cast.a):
        Customer.objects.filter(pk=customer.pk).update(mobile="13712349876", name="钱七七")
        assert Customer.objects.get(pk=customer.pk).mobile_reversed == "67894321731"
    found = _found(advisor, "9876", cast.a)["crm.customer"]
    assert customer.get_absolute_url() in [u for _t, _d, u in found]
    assert not _found(advisor, "0000", cast.a).get("crm.customer")


def test_a_group_hq_finds_the_newest_of_its_dealerships_first(cast):
    """HQ reads several dealerships: the newest rows of the group come first, whichever
    dealership holds them, capped, and nothing of a dealership outside the group."""
    older = [_customer(cast.a, f"顺序客户{i}", mobile=f"1360000{i:04d}") for i in range(3)]
    newer = [_customer(cast.b, f"顺序客户{i}", mobile=f"1361000{i:04d}") for i in range(3)]
    _customer(cast.c, "顺序客户外", mobile="13620000000")
    found = _found(cast.hq_user, "顺序客户", cast.a)["crm.customer"]
    urls = [u for _t, _d, u in found]
    expected = [c.get_absolute_url() for c in reversed(older + newer)]
    assert urls == expected


# --- pinyin initials ------------------------------------------------------------------------------


def test_a_customer_is_found_by_the_pinyin_initials_of_their_name(cast, client_for):
    mine, theirs = _person(cast.a, "sales_consultant"), _person(cast.a, "sales_consultant")
    own = _customer(cast.a, "张三丰", mobile="13912347001", owner=mine)
    other = _customer(cast.a, "赵四", mobile="13912347002", owner=theirs)
    with dealership_context(cast.a):
        assert Customer.objects.get(pk=own.pk).name_initials == "zsf"
    for query in ("zsf", "ZS", "zs f"):
        found = _found(mine, query, cast.a)
        assert own.get_absolute_url() in [url for _t, _d, url in found["crm.customer"]], query
    body = _page(client_for(mine), "zs").content.decode()
    assert other.get_absolute_url() not in body  # a colleague's 赵四 (zs) stays hidden
    assert own.get_absolute_url() in body
    # a corrected name is found by its new initials
    with dealership_context(cast.a):
        customer = Customer.objects.get(pk=own.pk)
        customer.name = "王五"
        customer.save(update_fields=["name"])
        assert Customer.objects.get(pk=own.pk).name_initials == "ww"
