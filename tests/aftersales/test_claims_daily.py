"""The day's numbers equal the records (a known set over two days; another dealership's rows
never counted; cancelled orders not counted; each viewer's scope), the day confirmation
(rights, future day, confirming again updates) and the reminder job (once; not when confirmed;
run twice → one notification)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from aftersales import services
from aftersales.jobs import day_confirmation_reminder
from aftersales.models import ClaimStatus, RepairStatus, ServiceDayConfirmation, WarrantyClaim
from aftersales.notifications import DAY_UNCONFIRMED
from aftersales.selectors.claims import service_board, service_day
from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from tests.aftersales.conftest import make_repair_order

DAY1 = dt.date(2026, 3, 10)
DAY2 = dt.date(2026, 3, 11)


def at(day: dt.date, hour: int = 10):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def ro(dealership, advisor, day, service_type="repair", closed_on=None, total="0", **fields):
    if closed_on is not None:
        fields.update(status=RepairStatus.CLOSED, closed_on=closed_on, closed_at=at(closed_on, 17))
    return make_repair_order(
        dealership,
        advisor,
        service_type=service_type,
        checked_in_at=at(day, fields.pop("hour", 9)),
        total=Decimal(total),
        **fields,
    )


def claim(dealership, order, assessor, submitted_on, number):
    with dealership_context(dealership):
        return WarrantyClaim.objects.create(
            dealership=dealership,
            number=number,
            repair_order=order,
            fault_description="x",
            assessor=assessor,
            status=ClaimStatus.SUBMITTED,
            submitted_on=submitted_on,
        )


@pytest.fixture
def records(cast, staff):
    adv, adv2 = staff.advisor, staff.advisor2
    a = ro(cast.a, adv, DAY1, "maintenance_5k", closed_on=DAY1, total="500.00")
    ro(cast.a, adv, DAY1, "maintenance_10k")
    ro(cast.a, adv, DAY1, "maintenance_5k", status=RepairStatus.CANCELLED)  # not counted
    ro(cast.a, adv2, dt.date(2026, 3, 1), closed_on=DAY1, total="1200.50")
    e = ro(cast.a, adv, DAY2, "maintenance_10k", closed_on=DAY2, total="300.00", hour=23)
    ro(cast.a, adv2, DAY2, "maintenance_5k")
    ro(cast.a, adv, DAY2, "maintenance", hour=0)
    ro(cast.a, adv2, dt.date(2026, 2, 28), "maintenance_5k", closed_on=DAY2, total="100.00")
    ro(cast.a, adv, DAY2 + dt.timedelta(days=1), "maintenance_5k")  # the day after: not counted
    # another dealership's day: never counted
    theirs = ro(cast.b, cast.user_b, DAY2, "maintenance_5k", closed_on=DAY2, total="999.00")
    claim(cast.a, a, staff.warranty_assessor, DAY1, "WC202603-0001")
    claim(cast.a, e, staff.warranty_assessor, DAY2, "WC202603-0002")
    claim(cast.b, theirs, cast.user_b, DAY2, "WC202603-0001")


def test_the_days_numbers_equal_the_records(cast, staff, records):
    with dealership_context(cast.a):
        day2 = service_day(staff.gm, DAY2)
        day1 = service_day(staff.gm, DAY1)
    assert day2.today.as_dict() == {
        "checkins_5k": 1,
        "checkins_10k": 1,
        "opened": 3,
        "closed": 2,
        "revenue": "400.00",
        "claims_submitted": 1,
    }
    assert day2.month_to_date.as_dict() == {
        "checkins_5k": 2,
        "checkins_10k": 2,
        "opened": 6,
        "closed": 4,
        "revenue": "2100.50",
        "claims_submitted": 2,
    }
    assert day1.today.as_dict() == {
        "checkins_5k": 1,
        "checkins_10k": 1,
        "opened": 2,
        "closed": 2,
        "revenue": "1700.50",
        "claims_submitted": 1,
    }
    assert day1.month_to_date.opened == 3
    # dealership B sees only its own
    with dealership_context(cast.b):
        theirs = service_day(cast.user_b, DAY2)
    assert (theirs.today.checkins_5k, theirs.today.closed, theirs.today.revenue) == (
        1,
        1,
        Decimal("999.00"),
    )


def test_each_viewer_counts_their_scope(cast, staff, records):
    with dealership_context(cast.a):
        own = service_day(staff.advisor, DAY2)
        manager = service_day(staff.service_manager, DAY2)
        clerk = service_day(staff.aftersales_info_clerk, DAY2)
    assert (own.today.opened, own.today.closed) == (2, 1)  # the advisor's own orders
    assert own.today.claims_submitted is None or own.today.claims_submitted == 0
    assert manager.today.as_dict() == clerk.today.as_dict()
    assert manager.today.opened == 3


def test_the_board_takes_a_constant_number_of_queries(cast, staff, records):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with dealership_context(cast.a):
        service_board(staff.service_manager, DAY2)  # the viewer's grants are read once
        with CaptureQueriesContext(connection) as few:
            service_board(staff.service_manager, DAY2)
    for _ in range(5):
        ro(cast.a, staff.advisor, DAY2, "maintenance_5k", closed_on=DAY2, total="1")
    with dealership_context(cast.a), CaptureQueriesContext(connection) as more:
        service_board(staff.service_manager, DAY2)
    assert len(few.captured_queries) == len(more.captured_queries)


# --- day confirmation ---------------------------------------------------------------------------


def test_confirm_stores_the_figures_and_updates_on_reconfirm(cast, staff, records):
    with dealership_context(cast.a):
        first = services.service_day_confirm(actor=staff.aftersales_info_clerk, day=DAY2)
        assert first.figures["opened"] == 3
        assert first.figures["revenue"] == "400.00"
        assert first.figures["month_to_date"]["closed"] == 4
    ro(cast.a, staff.advisor, DAY2, "maintenance_10k")
    with dealership_context(cast.a):
        again = services.service_day_confirm(actor=staff.service_manager, day=DAY2.isoformat())
        assert again.pk == first.pk
        assert ServiceDayConfirmation.objects.filter(day=DAY2).count() == 1
        entries = AuditEntry.objects.filter(object_type="aftersales.ServiceDayConfirmation")
        assert list(entries.order_by("pk").values_list("action", flat=True)) == [
            AuditEntry.Action.CREATE,
            AuditEntry.Action.UPDATE,
        ]
    assert (again.figures["opened"], again.figures["checkins_10k"]) == (4, 2)
    assert again.confirmed_by_id == staff.service_manager.pk


def test_confirm_refuses_a_future_day_and_people_without_the_right(cast, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.service_day_confirm(actor=staff.aftersales_info_clerk, day=tomorrow)
    assert "day" in error.value.message_dict
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.service_day_confirm(actor=staff.aftersales_info_clerk, day="yesterday")
    assert "day" in error.value.message_dict
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    # own scope (advisor), no change right (technician, assessor), no after-sales rights
    for user in (staff.advisor, staff.technician, staff.warranty_assessor, staff.sales_consultant):
        with dealership_context(cast.a), pytest.raises(PermissionDenied):
            services.service_day_confirm(actor=user, day=yesterday)
    with dealership_context(cast.a):
        assert not ServiceDayConfirmation.objects.exists()
        services.service_day_confirm(actor=staff.workshop_supervisor, day=yesterday)
        services.service_day_confirm(actor=staff.gm, day=yesterday)
        assert ServiceDayConfirmation.objects.count() == 1


# --- the reminder job ---------------------------------------------------------------------------


def _told(dealership):
    with dealership_context(dealership):
        return list(
            Notification.objects.filter(kind=DAY_UNCONFIRMED).values_list("recipient_id", flat=True)
        )


def test_reminder_tells_clerk_and_manager_once(cast, staff):
    today = timezone.localdate()
    with dealership_context(cast.a):
        result = day_confirmation_reminder(dealership=cast.a, run_date=today)
        day_confirmation_reminder(dealership=cast.a, run_date=today)  # run twice
    assert "not confirmed" in result
    told = _told(cast.a)
    assert sorted(told) == sorted([staff.aftersales_info_clerk.pk, staff.service_manager.pk])
    with dealership_context(cast.a):
        note = Notification.objects.filter(kind=DAY_UNCONFIRMED).first()
        assert "09:30" in note.subject_en
    assert _told(cast.b) == []
    with dealership_context(cast.a):
        day_confirmation_reminder(dealership=cast.a, run_date=today + dt.timedelta(days=1))
    assert len(_told(cast.a)) == 4  # the next day is another day to confirm


def test_reminder_stays_quiet_when_yesterday_is_confirmed(cast, staff):
    today = timezone.localdate()
    with dealership_context(cast.a):
        services.service_day_confirm(
            actor=staff.aftersales_info_clerk, day=today - dt.timedelta(days=1)
        )
        result = day_confirmation_reminder(dealership=cast.a, run_date=today)
    assert "confirmed" in result and "not" not in result
    assert _told(cast.a) == []


def test_reminder_job_is_registered_at_nine():
    from dealership.jobs import all_jobs
    from dealership.notifications import get_kind

    job = next(j for j in all_jobs() if j.name == "aftersales.day_confirmation_reminder")
    assert job.schedule.at == dt.time(9, 0)
    assert job.owners == ("service_manager",)
    assert get_kind(DAY_UNCONFIRMED) is not None
