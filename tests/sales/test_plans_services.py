"""Targets (replace, bounds, wrong people refused, audit, results from deliveries), the day
confirmation (rights, future day, idempotent update) and the reminder job (once; not when
confirmed; run twice → one notification)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dealership.models import AuditEntry
from dealership.notifications.models import Notification
from dealership.tenancy import dealership_context
from sales import services
from sales.jobs import day_confirmation_reminder
from sales.models import DayConfirmation, OrderStatus, SalesTarget
from sales.notifications import DAY_UNCONFIRMED
from sales.selectors.plans import target_grid
from tests.factories import UserFactory, hire
from tests.sales.test_plans_sheet import delivery, order

MONTH = dt.date(2025, 3, 1)


def _targets(dealership):
    with dealership_context(dealership):
        return sorted(
            ((t.consultant_id, t.model, t.units) for t in SalesTarget.objects.filter(month=MONTH)),
            key=lambda row: (row[0] or 0, row[1]),
        )


# --- targets ------------------------------------------------------------------------------------


def test_targets_set_replaces_the_month_and_audits(cast, staff):
    c1, c2 = staff.consultant, staff.consultant2
    with dealership_context(cast.a):
        services.targets_set(
            actor=staff.sales_manager,
            month=dt.date(2025, 3, 17),  # normalised to the 1st
            rows=[
                {"consultant": None, "units": 30},
                {"consultant": c1.pk, "units": 12},
                {"consultant": c2, "units": 8, "model": ""},
                {"consultant": c1.pk, "model": "K5", "units": 5},
            ],
        )
        other_month = SalesTarget.objects.create(
            dealership=cast.a, month=dt.date(2025, 4, 1), consultant=c1, units=99
        )
    assert _targets(cast.a) == sorted(
        [(None, "", 30), (c1.pk, "", 12), (c2.pk, "", 8), (c1.pk, "K5", 5)],
        key=lambda row: (row[0] or 0, row[1]),
    )
    with dealership_context(cast.a):
        services.targets_set(
            actor=staff.sales_manager, month="2025-03", rows=[{"consultant": c1.pk, "units": 0}]
        )
        assert SalesTarget.objects.filter(pk=other_month.pk).exists()  # another month: kept
        entries = AuditEntry.objects.filter(object_type="sales.SalesTarget")
        assert entries.filter(action=AuditEntry.Action.CREATE).count() == 5
        assert entries.filter(action=AuditEntry.Action.DELETE).count() == 4
        assert set(entries.values_list("actor_id", flat=True)) == {staff.sales_manager.pk}
    assert _targets(cast.a) == [(c1.pk, "", 0)]


@pytest.mark.parametrize("units", [-1, 100001, "many", None])
def test_targets_units_out_of_bounds_are_refused_naming_the_row(cast, staff, units):
    with dealership_context(cast.a):
        services.targets_set(
            actor=staff.sales_manager, month=MONTH, rows=[{"consultant": None, "units": 5}]
        )
        with pytest.raises(ValidationError) as error:
            services.targets_set(
                actor=staff.sales_manager,
                month=MONTH,
                rows=[
                    {"consultant": staff.consultant.pk, "units": 3},
                    {"consultant": staff.consultant2.pk, "units": units},
                ],
            )
    assert "Row 2" in error.value.message_dict["rows"][0]
    assert _targets(cast.a) == [(None, "", 5)]  # nothing half-saved


def test_targets_for_the_wrong_people_are_refused(cast, staff):
    b_consultant = UserFactory(username="b_sales")
    hire(b_consultant, cast.b, "sales_consultant")
    for person in (b_consultant, staff.cr_specialist, staff.sales_info_clerk):
        with dealership_context(cast.a), pytest.raises(ValidationError) as error:
            services.targets_set(
                actor=staff.sales_manager,
                month=MONTH,
                rows=[{"consultant": None, "units": 1}, {"consultant": person.pk, "units": 2}],
            )
        assert "Row 2" in error.value.message_dict["rows"][0]
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.targets_set(
            actor=staff.sales_manager,
            month=MONTH,
            rows=[{"consultant": staff.consultant.pk, "units": 1}] * 2,
        )
    assert "Row 2" in error.value.message_dict["rows"][0]
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.targets_set(actor=staff.sales_manager, month="March", rows=[])
    assert "month" in error.value.message_dict
    assert _targets(cast.a) == []


def test_only_plan_setters_set_targets(cast, staff):
    for user in (staff.consultant, staff.sales_info_clerk, staff.cr_specialist):
        with dealership_context(cast.a), pytest.raises(PermissionDenied):
            services.targets_set(actor=user, month=MONTH, rows=[{"consultant": None, "units": 1}])
    with dealership_context(cast.a):
        services.targets_set(actor=staff.gm, month=MONTH, rows=[{"consultant": None, "units": 1}])
    assert _targets(cast.a) == [(None, "", 1)]


def test_results_come_from_the_months_deliveries(cast, staff):
    c1, c2 = staff.consultant, staff.consultant2
    with dealership_context(cast.a):
        services.targets_set(
            actor=staff.sales_manager,
            month=MONTH,
            rows=[
                {"consultant": None, "units": 10},
                {"consultant": c1.pk, "units": 4},
                {"consultant": c1.pk, "model": "K5", "units": 2},
                {"consultant": None, "model": "K5", "units": 6},
            ],
        )
    delivery(cast.a, c1, dt.date(2025, 3, 3), model="K5")
    delivery(cast.a, c1, dt.date(2025, 3, 31), model="K3")
    delivery(cast.a, c2, dt.date(2025, 3, 10), model="K5")
    delivery(cast.a, c1, dt.date(2025, 4, 1), model="K5")  # next month
    delivery(cast.a, c1, dt.date(2025, 2, 28), model="K5")  # last month
    order(cast.a, c1, dt.date(2025, 3, 5))  # an order is not a result
    with dealership_context(cast.a):
        grid = target_grid(staff.sales_manager, MONTH)
        own = target_grid(c1, MONTH)
    rows = {r.consultant_id: r for r in grid.rows}
    assert (rows[c1.pk].target, rows[c1.pk].delivered, rows[c1.pk].achieved) == (4, 2, 50)
    assert rows[c1.pk].models == [("K5", 2, 1)]
    assert (rows[c2.pk].target, rows[c2.pk].delivered) == (None, 1)
    assert (grid.department.target, grid.department.delivered) == (10, 3)
    assert grid.department.models == [("K5", 6, 2)]
    assert [r.consultant_id for r in own.rows] == [c1.pk]  # a consultant: their own target


# --- day confirmation ---------------------------------------------------------------------------


def test_day_confirm_stores_the_counts_and_updates_on_reconfirm(cast, staff):
    day = timezone.localdate() - dt.timedelta(days=1)
    order(cast.a, staff.consultant, day)
    order(cast.a, staff.consultant2, day, status=OrderStatus.CANCELLED)
    with dealership_context(cast.a):
        first = services.day_confirm(actor=staff.sales_info_clerk, day=day)
    assert (first.orders, first.deliveries, first.confirmed_by_id) == (
        1,
        0,
        staff.sales_info_clerk.pk,
    )
    order(cast.a, staff.consultant2, day)
    delivery(cast.a, staff.consultant, day)
    with dealership_context(cast.a):
        again = services.day_confirm(actor=staff.sales_manager, day=day.isoformat())
        assert again.pk == first.pk
        assert DayConfirmation.objects.filter(day=day).count() == 1
        entries = AuditEntry.objects.filter(object_type="sales.DayConfirmation")
        assert list(entries.order_by("pk").values_list("action", flat=True)) == [
            AuditEntry.Action.CREATE,
            AuditEntry.Action.UPDATE,
        ]
    assert (again.orders, again.deliveries, again.confirmed_by_id) == (
        2,
        1,
        staff.sales_manager.pk,
    )


def test_day_confirm_refuses_a_future_day_and_people_without_the_right(cast, staff):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.day_confirm(actor=staff.sales_info_clerk, day=tomorrow)
    assert "day" in error.value.message_dict
    with dealership_context(cast.a), pytest.raises(ValidationError) as error:
        services.day_confirm(actor=staff.sales_info_clerk, day="yesterday")
    assert "day" in error.value.message_dict
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for user in (staff.consultant, staff.cr_specialist):  # own scope / no sales rights
        with dealership_context(cast.a), pytest.raises(PermissionDenied):
            services.day_confirm(actor=user, day=yesterday)
    with dealership_context(cast.a):
        assert not DayConfirmation.objects.exists()


# --- the reminder job ---------------------------------------------------------------------------


def _told(dealership):
    with dealership_context(dealership):
        return list(
            Notification.objects.filter(kind=DAY_UNCONFIRMED).values_list("recipient_id", flat=True)
        )


def test_reminder_tells_clerk_and_manager_once(cast, staff):
    today = timezone.localdate()
    with dealership_context(cast.a):
        day_confirmation_reminder(dealership=cast.a, run_date=today)
        day_confirmation_reminder(dealership=cast.a, run_date=today)  # run twice
    told = _told(cast.a)
    assert sorted(told) == sorted([staff.sales_info_clerk.pk, staff.sales_manager.pk])
    with dealership_context(cast.a):
        day_confirmation_reminder(dealership=cast.a, run_date=today + dt.timedelta(days=1))
    assert len(_told(cast.a)) == 4  # the next day is another day to confirm


def test_reminder_stays_quiet_when_yesterday_is_confirmed(cast, staff):
    today = timezone.localdate()
    with dealership_context(cast.a):
        services.day_confirm(actor=staff.sales_info_clerk, day=today - dt.timedelta(days=1))
        result = day_confirmation_reminder(dealership=cast.a, run_date=today)
    assert "confirmed" in result
    assert _told(cast.a) == []


def test_reminder_job_is_registered_at_nine():
    from dealership.jobs import all_jobs

    job = next(j for j in all_jobs() if j.name == "sales.day_confirmation_reminder")
    assert job.schedule.at == dt.time(9, 0)
    assert job.owners == ("sales_manager",)
