"""Clocking on at the same moment, on PostgreSQL, each call on its own connection: a technician
is on one job at a time — two clock-ons of one technician (on jobs of two repair orders, so no
row lock serialises them) leave one open time entry; the other is told where they are clocked
on. Two clock-ons of one job: the job's row lock lets one through."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from aftersales import services
from aftersales.models import Job, JobStatus, TimeEntry
from dealership.tenancy import dealership_context
from tests.aftersales.test_workshop_services import make_job
from tests.concurrency import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_clock_ons_of_one_technician_at_once_leave_one_entry(cast, staff):
    for attempt in range(3):
        jobs = [make_job(cast.a, staff.advisor, technician=staff.technician) for _ in range(2)]
        outcomes = race(
            cast.a,
            *[
                lambda job=job: services.job_clock_on(actor=staff.technician, job_id=job.pk)
                for job in jobs
            ],
        )
        errors = [error for _result, error in outcomes if error is not None]
        assert len(errors) == 1, (attempt, outcomes)
        assert isinstance(errors[0], ValidationError), errors[0]
        assert "already" in errors[0].message_dict["job"][0]
        with dealership_context(cast.a):
            open_entries = TimeEntry.objects.filter(
                technician=staff.technician, ended_at__isnull=True
            )
            assert open_entries.count() == 1
            winner = open_entries.get().job_id
            loser = next(j for j in jobs if j.pk != winner)
            assert Job.objects.get(pk=loser.pk).status == JobStatus.WAITING
            services.job_clock_off(actor=staff.technician, job_id=winner)


def test_two_clock_ons_of_one_job_at_once(cast, staff):
    job = make_job(cast.a, staff.advisor, technician=staff.technician)
    outcomes = race(
        cast.a,
        lambda: services.job_clock_on(actor=staff.technician, job_id=job.pk),
        lambda: services.job_clock_on(actor=staff.workshop_supervisor, job_id=job.pk),
    )
    errors = [error for _result, error in outcomes if error is not None]
    assert len(errors) == 1 and isinstance(errors[0], ValidationError), outcomes
    with dealership_context(cast.a):
        assert TimeEntry.objects.filter(job=job).count() == 1
