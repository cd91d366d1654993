"""The monthly OEM submissions of sales, run as the scheduler does on the first working day after
the month (8 October 2026, after the National Day holiday): the purchased-customer analysis
(已购车用户分析表) counts the month's deliveries — made through the delivery service — by model,
customer type, source channel and region; the dealer stock (店头库存表) holds the cars at the
dealership at the month's end by model and age. Another dealership's cars never count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from crm.models import CustomerKind, Source
from dealership.reports.periods import Period
from dealership.reports.registry import get_report
from dealership.tenancy import dealership_context
from sales import reports, services
from sales.models import StockStatus, StockVehicle
from tests.reports.oem_tables import gather_queries, oem_runner, text, total_label
from tests.sales.conftest import make_customer, make_lead, make_stock
from tests.sales.stock_helpers import delivery_kwargs, make_order

pytestmark = pytest.mark.django_db

SEPTEMBER = "2026-09"
D = dt.date.fromisoformat
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def oem_run(settings, tmp_path, monkeypatch):
    return oem_runner(settings, tmp_path, monkeypatch)


def test_the_declarations(cast):
    period = Period.from_key("month", SEPTEMBER)
    for code in (reports.PURCHASED_CUSTOMERS, reports.DEALER_STOCK):
        report = get_report(code)
        assert report.oem and report.period == "month" and report.department == "sales"
        assert report.owners == ("sales_manager", "sales_director")
        due = report.due_at(period, cast.a)
        assert (due.date(), due.hour) == (dt.date(2026, 10, 8), 17)


# --- purchased customers ------------------------------------------------------------------------


def deliver(dealership, consultant, on: str, *, model="K5", source=Source.WALK_IN, **customer):
    """A car sold to a new customer (``customer`` fields: kind, city, district) through a lead
    of ``source`` and handed over on ``on`` by the delivery service."""
    day = D(on)
    buyer = make_customer(dealership, consultant, **customer)
    lead = make_lead(dealership, consultant, customer=buyer, source=source, stage="order")
    car = make_stock(dealership, model=model, arrived_on=day - dt.timedelta(days=20))
    order = make_order(
        dealership,
        consultant,
        car=car,
        lead=lead,
        ordered_on=day - dt.timedelta(days=10),
        deposit_paid_on=day - dt.timedelta(days=10),
    )
    with dealership_context(dealership):
        return services.delivery_create(
            actor=consultant, **delivery_kwargs(order, delivered_on=day)
        )


WUHAN, HONGSHAN, JIANGHAN = "武汉市", "洪山区", "江汉区"


@pytest.fixture
def deliveries(cast, staff):
    c = staff.consultant
    deliver(cast.a, c, "2026-09-01", source=Source.WALK_IN, city=WUHAN, district=HONGSHAN)
    deliver(
        cast.a,
        c,
        "2026-09-30",
        source=Source.KEY_ACCOUNT,
        kind=CustomerKind.COMPANY,
        name="某某物流有限公司",
        city=WUHAN,
        district=JIANGHAN,
    )
    deliver(
        cast.a,
        staff.consultant2,
        "2026-09-15",
        model="狮铂拓界",
        source=Source.AUTOHOME,
        city=WUHAN,
        district=HONGSHAN,
    )
    deliver(cast.a, c, "2026-09-20", source=Source.REFERRAL)  # no address recorded
    # outside the month, and another dealership's delivery within it
    deliver(cast.a, c, "2026-08-31", source=Source.AUTOHOME, city=WUHAN, district=HONGSHAN)
    deliver(cast.a, c, "2026-10-01", source=Source.AUTOHOME, city=WUHAN, district=HONGSHAN)
    deliver(
        cast.b, cast.user_b, "2026-09-10", source=Source.AUTOHOME, city=WUHAN, district="武昌区"
    )


def test_deliveries_by_model_type_channel_and_region(cast, deliveries, oem_run):
    book = oem_run(reports.PURCHASED_CUSTOMERS, cast.a, SEPTEMBER)
    assert book.figure(reports.DELIVERIES) == 4
    assert book.figure(reports.COMPANIES) == 1
    assert book.figure(reports.COMPANY_SHARE) == pytest.approx(0.25)

    assert book.table(reports.BY_MODEL) == [
        ["K5", 3, pytest.approx(0.75)],
        ["狮铂拓界", 1, pytest.approx(0.25)],
        [total_label(), 4],
    ]
    assert book.table(reports.BY_KIND) == [
        [text(CustomerKind.PERSON.label), 3, pytest.approx(0.75)],
        [text(CustomerKind.COMPANY.label), 1, pytest.approx(0.25)],
        [total_label(), 4],
    ]
    by_source = book.keyed(reports.BY_SOURCE)
    assert by_source == {
        text(Source.WALK_IN.label): [1, pytest.approx(0.25)],
        text(Source.KEY_ACCOUNT.label): [1, pytest.approx(0.25)],
        text(Source.AUTOHOME.label): [1, pytest.approx(0.25)],
        text(Source.REFERRAL.label): [1, pytest.approx(0.25)],
        total_label(): [4],
    }
    not_recorded = text(reports.NOT_RECORDED)
    assert book.table(reports.BY_REGION) == [
        [WUHAN, HONGSHAN, 2, pytest.approx(0.5)],
        [not_recorded, not_recorded, 1, pytest.approx(0.25)],
        [WUHAN, JIANGHAN, 1, pytest.approx(0.25)],
        [total_label(), None, 4],
    ]


def test_another_dealership_sees_its_own_deliveries(cast, deliveries, oem_run):
    book = oem_run(reports.PURCHASED_CUSTOMERS, cast.b, SEPTEMBER)
    assert book.figure(reports.DELIVERIES) == 1
    assert book.table(reports.BY_REGION) == [
        [WUHAN, "武昌区", 1, pytest.approx(1.0)],
        [total_label(), None, 1],
    ]


def test_a_month_without_deliveries(cast, oem_run):
    book = oem_run(reports.PURCHASED_CUSTOMERS, cast.a, SEPTEMBER)
    assert book.figure(reports.DELIVERIES) == 0
    assert book.table(reports.BY_MODEL) == []


def test_purchased_customers_queries_do_not_grow(cast, staff):
    deliver(cast.a, staff.consultant, "2026-09-03", city=WUHAN, district=HONGSHAN)
    few = gather_queries(reports.PURCHASED_CUSTOMERS, cast.a, SEPTEMBER)
    for n in range(8):
        deliver(
            cast.a,
            staff.consultant,
            f"2026-09-{n + 4:02d}",
            model=f"M{n}",
            source=Source.ONLINE,
            kind=CustomerKind.COMPANY,
            city=f"城市{n}",
            district="区",
        )
    assert gather_queries(reports.PURCHASED_CUSTOMERS, cast.a, SEPTEMBER) == few


# --- dealer stock -------------------------------------------------------------------------------


def car(dealership, arrived: str | None, *, recorded: dt.datetime | None = None, **fields):
    """A stock car arrived on ``arrived`` (None: in transit), recorded at ``recorded``."""
    if arrived is None:
        fields["status"] = StockStatus.IN_TRANSIT
    vehicle = make_stock(dealership, arrived_on=D(arrived) if arrived else None, **fields)
    if recorded is not None:
        with dealership_context(dealership):
            StockVehicle.objects.filter(pk=vehicle.pk).update(created_at=recorded)
    return vehicle


def at(day: str, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(D(day), dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def stock(cast):
    white = {"model": "K5", "trim": "2.0T", "colour": "白"}
    car(cast.a, "2026-08-31", **white)  # 30 days old at the month's end
    car(cast.a, "2026-08-30", **white)  # 31
    car(cast.a, "2026-07-02", model="K5", trim="2.0T", colour="黑")  # 90
    car(cast.a, "2026-07-01", model="狮铂拓界", trim="", colour="", cost=Decimal("120000.00"))
    # delivered after the month's end: still at the dealership on 30 September (29 days)
    car(cast.a, "2026-09-01", status=StockStatus.DELIVERED, delivered_on=D("2026-10-05"), **white)
    # delivered within the month: gone
    car(cast.a, "2026-09-01", status=StockStatus.DELIVERED, delivered_on=D("2026-09-25"), **white)
    # in transit at the month's end: still travelling, or arrived only in October
    car(cast.a, None, recorded=at("2026-09-15", 10), **white)
    car(cast.a, "2026-10-03", recorded=at("2026-09-20", 10), **white)
    car(cast.a, None, recorded=at("2026-09-30", 23, 30), **white)  # the month's last evening
    # recorded in October (the first minutes of 1 October in Shanghai are still 30 September
    # in UTC): not the month's
    car(cast.a, None, recorded=at("2026-10-01", 0, 30), **white)
    car(cast.a, "2026-10-10", recorded=at("2026-10-05", 9), **white)
    # another dealership's car
    car(cast.b, "2026-09-01", **white)


def test_stock_at_the_months_end_by_model_and_age(cast, stock, oem_run):
    book = oem_run(reports.DEALER_STOCK, cast.a, SEPTEMBER)
    assert book.figure(reports.IN_STOCK) == 5
    assert book.figure(reports.OVER_90) == 1
    assert book.figure(reports.AVERAGE_AGE) == pytest.approx(54.2)  # (30+31+90+91+29) / 5
    assert book.figure(reports.STOCK_VALUE) == pytest.approx(720000.0)
    assert book.figure(reports.IN_TRANSIT) == 3

    # in stock, 0–30, 31–60, 61–90, over 90, average age, value at cost, in transit
    assert book.table(reports.STOCK_BY_MODEL) == [
        ["K5", 4, 2, 1, 1, 0, pytest.approx(45.0), pytest.approx(600000.0), 3],
        ["狮铂拓界", 1, 0, 0, 0, 1, pytest.approx(91.0), pytest.approx(120000.0), 0],
        [total_label(), 5, 2, 1, 1, 1, None, pytest.approx(720000.0), 3],
    ]
    assert book.table(reports.STOCK_BY_VERSION) == [
        ["K5", "2.0T", "白", 3, 2, 1, 0, 0, pytest.approx(30.0), pytest.approx(450000.0), 3],
        ["K5", "2.0T", "黑", 1, 0, 0, 1, 0, pytest.approx(90.0), pytest.approx(150000.0), 0],
        ["狮铂拓界", "—", "—", 1, 0, 0, 0, 1, pytest.approx(91.0), pytest.approx(120000.0), 0],
        [total_label(), None, None, 5, 2, 1, 1, 1, None, pytest.approx(720000.0), 3],
    ]


def test_another_dealership_sees_its_own_stock(cast, stock, oem_run):
    book = oem_run(reports.DEALER_STOCK, cast.b, SEPTEMBER)
    assert book.figure(reports.IN_STOCK) == 1
    assert book.figure(reports.IN_TRANSIT) == 0
    assert book.table(reports.STOCK_BY_MODEL)[0][:2] == ["K5", 1]


def test_dealer_stock_queries_do_not_grow(cast):
    car(cast.a, "2026-09-01")
    few = gather_queries(reports.DEALER_STOCK, cast.a, SEPTEMBER)
    for n in range(10):
        car(cast.a, f"2026-0{n % 3 + 6}-1{n % 9}", model=f"M{n}", trim=f"T{n}", colour="红")
        car(cast.a, None, model=f"M{n}", recorded=at("2026-09-02", 9))
    assert gather_queries(reports.DEALER_STOCK, cast.a, SEPTEMBER) == few
