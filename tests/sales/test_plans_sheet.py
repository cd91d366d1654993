"""The meeting sheet's numbers equal the records: a known set of visits, leads, test drives,
quotes, orders and deliveries across two days and two consultants (and dealership B), every cell
checked; the page, the PDF and the API show the same selector."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from crm.models import Vehicle
from dealership.tenancy import dealership_context
from sales.models import (
    DayConfirmation,
    Delivery,
    Lead,
    Order,
    OrderStatus,
    Quote,
    SalesTarget,
    StockStatus,
    TestDrive,
    Visit,
    VisitKind,
)
from sales.selectors.plans import meeting_sheet, month_start
from tests.factories import UserFactory, hire
from tests.sales.conftest import make_lead, make_stock, vin

_numbers = itertools.count(1)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def visit(dealership, consultant, day, kind=VisitKind.WALK_IN):
    with dealership_context(dealership):
        return Visit.objects.create(
            dealership=dealership, consultant=consultant, kind=kind, visited_at=at(day)
        )


def lead_on(dealership, consultant, day, **fields):
    lead = make_lead(dealership, consultant, **fields)
    with dealership_context(dealership):
        Lead.objects.filter(pk=lead.pk).update(created_at=at(day))
    return lead


def make_test_drive(dealership, consultant, day, lead=None):
    lead = lead or make_lead(dealership, consultant)
    with dealership_context(dealership):
        return TestDrive.objects.create(
            dealership=dealership,
            lead=lead,
            customer=lead.customer,
            consultant=consultant,
            vehicle_model="K5",
            licence_number="110101199001011234",
            licence_expires_on=day + dt.timedelta(days=900),
            starts_at=at(day, 11),
        )


def quote(dealership, consultant, day, lead=None):
    lead = lead or make_lead(dealership, consultant)
    with dealership_context(dealership):
        q = Quote.objects.create(
            dealership=dealership,
            lead=lead,
            customer=lead.customer,
            consultant=consultant,
            vehicle_model="K5",
            list_price=Decimal("179800"),
            total=Decimal("179800"),
        )
        Quote.objects.filter(pk=q.pk).update(created_at=at(day))
    return q


def order(dealership, consultant, day, status=OrderStatus.OPEN, model="K5", lead=None):
    lead = lead or make_lead(dealership, consultant)
    with dealership_context(dealership):
        return Order.objects.create(
            dealership=dealership,
            number=f"SO{next(_numbers):06d}",
            lead=lead,
            customer=lead.customer,
            consultant=consultant,
            vehicle_model=model,
            price=Decimal("170000"),
            deposit=Decimal("5000"),
            deposit_paid_on=day,
            ordered_on=day,
            status=status,
        )


def delivery(dealership, consultant, day, model="K5", ordered_on=None):
    o = order(
        dealership,
        consultant,
        ordered_on or day - dt.timedelta(days=40),
        status=OrderStatus.DELIVERED,
        model=model,
    )
    stock = make_stock(
        dealership,
        status=StockStatus.DELIVERED,
        model=model,
        arrived_on=day - dt.timedelta(days=50),
        delivered_on=day,
    )
    with dealership_context(dealership):
        car = Vehicle.objects.create(
            dealership=dealership, vin=vin(), model=model, owner=o.customer
        )
        return Delivery.objects.create(
            dealership=dealership,
            order=o,
            customer=o.customer,
            vehicle=car,
            stock_vehicle=stock,
            consultant=consultant,
            delivered_on=day,
        )


def target(dealership, consultant, month, units, model=""):
    with dealership_context(dealership):
        return SalesTarget.objects.create(
            dealership=dealership, consultant=consultant, month=month, model=model, units=units
        )


def sheet_day() -> dt.date:
    """A past day that is not the 1st (so its month also has an earlier day)."""
    day = timezone.localdate() - dt.timedelta(days=1)
    if day.day == 1:
        day -= dt.timedelta(days=1)
    return day


@pytest.fixture
def records(cast, staff):
    """Day D and the day before it (same month) for two consultants, and noise: dealership B,
    last month, a cancelled order, a future-proof later day."""
    day = sheet_day()
    before = day - dt.timedelta(days=1)
    c1, c2 = staff.consultant, staff.consultant2
    a = cast.a
    # day D, consultant 1: 2 walk-ins, 1 phone-in, 2 new leads, 1 test drive, 1 quote,
    # 2 orders (+1 cancelled, not counted), 1 delivery
    visit(a, c1, day)
    visit(a, c1, day)
    visit(a, c1, day, VisitKind.PHONE_IN)
    lead_on(a, c1, day)
    lead_on(a, c1, day)
    make_test_drive(a, c1, day)
    quote(a, c1, day)
    order(a, c1, day)
    order(a, c1, day, status=OrderStatus.FACTORY)
    order(a, c1, day, status=OrderStatus.CANCELLED)
    delivery(a, c1, day)
    # day D, consultant 2: 1 phone-in, 1 test drive, 1 delivery
    visit(a, c2, day, VisitKind.PHONE_IN)
    make_test_drive(a, c2, day)
    delivery(a, c2, day)
    # the day before (same month when D > 2nd): consultant 1 one order, consultant 2 one
    # delivery, visits — counted month to date only
    visit(a, c1, before)
    lead_on(a, c2, before)
    order(a, c1, before)
    delivery(a, c2, before)
    # dealership B: never counted
    b_consultant = UserFactory(username="b_consultant")
    hire(b_consultant, cast.b, "sales_consultant")
    visit(cast.b, b_consultant, day)
    order(cast.b, b_consultant, day)
    delivery(cast.b, b_consultant, day)
    # targets of the month
    month = month_start(day)
    target(a, c1, month, 10)
    target(a, c2, month, 4)
    target(a, None, month, 20)
    target(a, c1, month, 3, model="K5")  # a per-model target: not the all-model one
    return {"day": day, "before": before, "same_month": before.month == day.month}


def _row(sheet, user):
    return next(r for r in sheet.rows if r.consultant_id == user.pk)


def test_sheet_numbers_equal_the_records(cast, staff, records):
    day = records["day"]
    mtd = 1 if records["same_month"] else 0
    with dealership_context(cast.a):
        sheet = meeting_sheet(staff.sales_manager, day)
    one, two = _row(sheet, staff.consultant), _row(sheet, staff.consultant2)
    assert (one.walk_ins, one.phone_ins, one.new_leads, one.test_drives, one.quotes) == (
        2,
        1,
        2,
        1,
        1,
    )
    assert (one.orders, one.deliveries) == (2, 1)
    assert (one.mtd_orders, one.mtd_deliveries, one.target) == (2 + mtd, 1, 10)
    assert one.achieved == 10  # 1 of 10
    assert (two.walk_ins, two.phone_ins, two.new_leads, two.test_drives, two.quotes) == (
        0,
        1,
        0,
        1,
        0,
    )
    assert (two.orders, two.deliveries) == (0, 1)
    assert (two.mtd_orders, two.mtd_deliveries, two.target) == (0, 1 + mtd, 4)
    assert two.achieved == 50  # 2 of 4
    total = sheet.total
    assert (total.walk_ins, total.phone_ins, total.new_leads, total.test_drives) == (2, 2, 2, 2)
    assert (total.quotes, total.orders, total.deliveries) == (1, 2, 2)
    assert (total.mtd_orders, total.mtd_deliveries) == (2 + mtd, 2 + mtd)
    assert total.target == 20  # the department's own target
    # every row sums to the total (nobody else has records)
    for column in ("walk_ins", "phone_ins", "new_leads", "test_drives", "quotes", "orders"):
        assert sum(getattr(r, column) for r in sheet.rows) == getattr(total, column)


def test_the_day_before_is_its_own_sheet(cast, staff, records):
    before = records["before"]
    with dealership_context(cast.a):
        sheet = meeting_sheet(staff.sales_manager, before)
    one, two = _row(sheet, staff.consultant), _row(sheet, staff.consultant2)
    assert (one.walk_ins, one.orders, one.deliveries, one.new_leads) == (1, 1, 0, 0)
    assert (two.new_leads, two.deliveries, two.test_drives) == (1, 1, 0)


def test_consultant_sees_only_their_own_row(cast, staff, records):
    with dealership_context(cast.a):
        sheet = meeting_sheet(staff.consultant2, records["day"])
    assert [r.consultant_id for r in sheet.rows] == [staff.consultant2.pk]
    assert sheet.total.walk_ins == 0 and sheet.total.deliveries == 1
    assert sheet.confirmation is False  # not shown to a consultant


def test_supervisor_sees_every_consultant(cast, staff, records):
    with dealership_context(cast.a):
        sheet = meeting_sheet(staff.showroom_supervisor, records["day"])
    ids = {r.consultant_id for r in sheet.rows}
    assert {staff.consultant.pk, staff.consultant2.pk} <= ids
    assert sheet.total.orders == 2


def test_page_pdf_and_api_show_the_sheet(cast, staff, records, client_for, api_for):
    day = records["day"]
    client = client_for(staff.sales_manager)
    page = client.get(f"/sales/meeting/?day={day:%Y-%m-%d}")
    assert page.status_code == 200
    assert f'data-consultant="{staff.consultant.pk}"' in page.content.decode()
    pdf = client.get(f"/sales/meeting/pdf/?day={day:%Y-%m-%d}")
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert f"meeting-{day:%Y-%m-%d}.pdf" in pdf["Content-Disposition"]
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000
    data = api_for(staff.sales_manager).get(f"/api/v1/sales/meeting-sheet/?day={day:%Y-%m-%d}")
    assert data.status_code == 200
    rows = {r["consultant"]: r for r in data.json()["rows"]}
    assert rows[staff.consultant.pk]["walk_ins"] == 2
    assert rows[staff.consultant.pk]["orders"] == 2
    assert data.json()["total"]["deliveries"] == 2
    assert data.json()["confirmed"] is False  # not confirmed yet (None: not the viewer's)


def test_the_sheet_shows_the_days_confirmation(cast, staff, records, client_for):
    day = records["day"]
    with dealership_context(cast.a):
        DayConfirmation.objects.create(
            dealership=cast.a, day=day, orders=2, deliveries=2, confirmed_by=staff.sales_info_clerk
        )
    page = client_for(staff.sales_manager).get(f"/sales/meeting/?day={day:%Y-%m-%d}")
    assert "sales sales_info_clerk" in page.content.decode()


def test_a_future_day_is_refused(cast, staff, client_for, api_for):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client = client_for(staff.sales_manager)
    assert client.get(f"/sales/meeting/?day={tomorrow:%Y-%m-%d}").status_code == 400
    assert client.get("/sales/meeting/?day=2025-13-45").status_code == 400
    assert client.get(f"/sales/meeting/pdf/?day={tomorrow:%Y-%m-%d}").status_code == 400
    api = api_for(staff.sales_manager)
    response = api.get(f"/api/v1/sales/meeting-sheet/?day={tomorrow:%Y-%m-%d}")
    assert response.status_code == 400
    assert "day" in response.json()["error"]["fields"]


def test_default_day_is_yesterday(cast, staff, client_for):
    response = client_for(staff.sales_manager).get("/sales/meeting/")
    assert response.status_code == 200
    assert response.context["sheet"].day == timezone.localdate() - dt.timedelta(days=1)


def test_meeting_permissions(cast, staff, client_for, api_for):
    assert client_for(staff.cr_specialist).get("/sales/meeting/").status_code == 403
    assert client_for(staff.cr_specialist).get("/sales/meeting/pdf/").status_code == 403
    assert api_for(staff.cr_specialist).get("/api/v1/sales/meeting-sheet/").status_code == 403
    assert client_for(cast.hq_user).get("/sales/meeting/").status_code == 200
    assert client_for(staff.consultant).get("/sales/meeting/").status_code == 200
    assert client_for(cast.outsider).get("/sales/meeting/").status_code == 403
