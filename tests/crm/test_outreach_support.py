"""Helpers of the outreach tests (retention lists, reminders, owner club, SMS campaigns)."""

from __future__ import annotations

import datetime as dt
import itertools

import time_machine
from django.utils import timezone

from crm.models import Vehicle
from dealership.tenancy import dealership_context
from tests.crm.conftest import make_event, make_owner, valid_vin

_plates = itertools.count(1)


def frozen(day: dt.date, hour: int = 10):
    """The clock stopped at ``hour`` o'clock local time on ``day``."""
    moment = dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())
    return time_machine.travel(moment, tick=False)


def vehicle_for(dealership, customer, **fields) -> Vehicle:
    with dealership_context(dealership):
        return Vehicle.objects.create(
            dealership=dealership,
            vin=valid_vin(),
            plate=fields.pop("plate", f"粤B{next(_plates):05d}"),
            brand=fields.pop("brand", "Kia"),
            model=fields.pop("model", "K5"),
            owner=customer,
            **fields,
        )


def delivered(dealership, on: dt.date, *, customer=None, vehicle=None, staff=None, **owner):
    """A customer (new unless given) whose vehicle (new unless given) was delivered on ``on``;
    returns (customer, vehicle, event)."""
    customer = customer or make_owner(dealership, staff, **owner)
    vehicle = vehicle or vehicle_for(dealership, customer)
    with frozen(max(on, dt.date(2020, 1, 1))):
        event = make_event(
            dealership,
            kind="sales",
            customer=customer,
            occurred_on=on,
            vehicle=vehicle,
            staff=staff,
        )
    return customer, vehicle, event


def serviced(dealership, on: dt.date, *, customer, vehicle):
    with frozen(on):
        return make_event(
            dealership, kind="service", customer=customer, occurred_on=on, vehicle=vehicle
        )


def run_job(dealership, day: dt.date, name: str):
    """``manage.py run_jobs --date day`` for one job of one dealership; the JobRun row."""
    from dealership import services

    (run,) = services.jobs_run_for_date(run_date=day, dealerships=[dealership], job_names=[name])
    return run
